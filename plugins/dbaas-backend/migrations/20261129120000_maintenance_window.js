// @ts-check

/**
 * An instance's maintenance window (JSON: day, hour UTC, duration) and the operation waiting
 * for it (JSON, as the `operation` it becomes once the window opens).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('dbaas_instances', table => {
    table.text('maintenance_window').nullable();
    table.text('scheduled_operation').nullable();
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('dbaas_instances', table => {
    table.dropColumn('maintenance_window');
    table.dropColumn('scheduled_operation');
  });
};
