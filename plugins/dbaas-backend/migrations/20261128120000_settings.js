// @ts-check

/**
 * Settings the Manager keeps for itself, one value per key (e.g. its sealed TLS CA).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('dbaas_settings', table => {
    table.comment('Values the DBaaS Manager keeps once for all replicas');
    table.string('key', 191).primary();
    table.text('value').notNullable();
    table.string('updated_at', 30).notNullable();
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('dbaas_settings');
};
