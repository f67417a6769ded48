// @ts-check

/**
 * Scheduled credential rotation: every how many days (null: never), and when the last
 * rotation was asked for.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('dbaas_instances', table => {
    table.integer('rotation_days').nullable();
    table.string('rotation_requested_at', 32).nullable();
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('dbaas_instances', table => {
    table.dropColumn('rotation_days');
    table.dropColumn('rotation_requested_at');
  });
};
