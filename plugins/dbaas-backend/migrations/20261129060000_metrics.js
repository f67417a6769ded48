// @ts-check

/**
 * What the health reconcile samples of each running instance (connections, size, transactions,
 * uptime), kept for a day: the instance page's charts.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('dbaas_metrics', table => {
    table.comment('Samples of running instances, one per reconcile');
    table.string('instance_id', 64).notNullable();
    table.bigInteger('at_ms').notNullable();
    table.integer('connections').notNullable();
    table.bigInteger('size_bytes').notNullable();
    table
      .bigInteger('transactions')
      .notNullable()
      .comment('Committed and rolled back since the server started');
    table.integer('uptime_seconds').notNullable();
    table.primary(['instance_id', 'at_ms']);
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('dbaas_metrics');
};
