// @ts-check

/**
 * Indexes for lists at scale: each filter a list offers (owner, engine, flavor, name; status
 * has one) leads to the rows in creation order, and the unfiltered list walks
 * (created_at, id) backwards for its newest-first pages; a sync reads changes by updated_at.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('dbaas_instances', table => {
    table.index(['created_at', 'id'], 'dbaas_instances_created_idx');
    table.index(['owner', 'created_at'], 'dbaas_instances_owner_idx');
    table.index(['engine', 'created_at'], 'dbaas_instances_engine_idx');
    table.index(['flavor_id', 'created_at'], 'dbaas_instances_flavor_idx');
    table.index(['name'], 'dbaas_instances_name_idx');
    table.index(['updated_at', 'id'], 'dbaas_instances_updated_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('dbaas_instances', table => {
    table.dropIndex([], 'dbaas_instances_created_idx');
    table.dropIndex([], 'dbaas_instances_owner_idx');
    table.dropIndex([], 'dbaas_instances_engine_idx');
    table.dropIndex([], 'dbaas_instances_flavor_idx');
    table.dropIndex([], 'dbaas_instances_name_idx');
    table.dropIndex([], 'dbaas_instances_updated_idx');
  });
};
