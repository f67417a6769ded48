// @ts-check

/**
 * Each instance's backup policy (JSON: schedule as cron in UTC, retentionDays, retentionCount),
 * resolved at create from the request, the flavor's defaults and the built-in ones.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('dbaas_instances', table => {
    table.text('backup_policy').nullable();
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('dbaas_instances', table => {
    table.dropColumn('backup_policy');
  });
};
