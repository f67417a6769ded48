// @ts-check

/**
 * A day-2 operation asked of an instance (stop, start, restart), kept until a worker has done
 * it: a backend killed meanwhile resumes it.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('dbaas_instances', table => {
    table
      .text('operation')
      .nullable()
      .comment(
        'JSON: the operation asked for, by whom and when; null when none is pending',
      );
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('dbaas_instances', table => {
    table.dropColumn('operation');
  });
};
