// @ts-check

/**
 * The warm pool: servers started ahead of demand for a flavor on a runtime, with no user
 * data, claimed by a create (the instance takes the member's id and host). `status`:
 * warming, ready, claimed. Instances remember that they came from the pool (`from_pool`)
 * until their application user and database are made.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('dbaas_pool_members', table => {
    table.comment('Warm pool members of the DBaaS Manager');
    table.string('id', 36).primary();
    table.string('flavor_id', 63).notNullable();
    table.string('runtime', 31).notNullable();
    table.string('image', 255).notNullable();
    table.string('status', 15).notNullable();
    table.text('host_ref').nullable();
    table.text('endpoint').nullable();
    table.text('secrets').notNullable();
    table.string('created_at', 30).notNullable();
    table.string('ready_at', 30).nullable();
    table.string('claimed_at', 30).nullable();
    table.index(['flavor_id', 'runtime', 'status'], 'dbaas_pool_members_idx');
  });
  await knex.schema.alterTable('dbaas_instances', table => {
    table.boolean('from_pool').notNullable().defaultTo(false);
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('dbaas_instances', table => {
    table.dropColumn('from_pool');
  });
  await knex.schema.dropTable('dbaas_pool_members');
};
