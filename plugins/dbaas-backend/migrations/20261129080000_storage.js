// @ts-check

/**
 * Storage that is measured and grows: whether it grows by itself and up to how much, the last
 * measurement, the state it is in (ok, warning at 80 %, full), and whether the Manager made the
 * server read-only because it is full; and the measurement in each metrics sample.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('dbaas_instances', table => {
    table.boolean('storage_auto_grow').notNullable().defaultTo(false);
    table.integer('storage_max_gib').nullable();
    table.bigInteger('storage_used_bytes').nullable();
    table.string('storage_measured_at', 32).nullable();
    table.string('storage_state', 16).notNullable().defaultTo('ok');
    table.boolean('storage_read_only').notNullable().defaultTo(false);
  });
  await knex.schema.alterTable('dbaas_metrics', table => {
    table.bigInteger('used_bytes').nullable();
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('dbaas_metrics', table => {
    table.dropColumn('used_bytes');
  });
  await knex.schema.alterTable('dbaas_instances', table => {
    table.dropColumn('storage_auto_grow');
    table.dropColumn('storage_max_gib');
    table.dropColumn('storage_used_bytes');
    table.dropColumn('storage_measured_at');
    table.dropColumn('storage_state');
    table.dropColumn('storage_read_only');
  });
};
