// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('dbaas_instances', table => {
    table.comment('Database instances managed by the DBaaS Manager');
    table.string('id', 36).primary();
    table.string('name', 63).notNullable();
    // equals name while the instance exists, null once deleted: live names are unique, so
    // each is also the catalog name of its Resource
    table.string('live_name', 63).nullable();
    table.string('owner', 255).notNullable();
    table.string('flavor_id', 63).notNullable();
    table.string('engine', 31).notNullable();
    table.string('version', 31).notNullable();
    table.integer('storage_gib').notNullable();
    table.string('runtime', 31).notNullable();
    table.string('status', 31).notNullable();
    table.string('health', 31).notNullable();
    table.string('phase', 31).nullable();
    table.text('endpoint').nullable();
    table.boolean('deletion_protection').notNullable().defaultTo(false);
    table.text('fault').nullable();
    table.string('component', 255).nullable();
    table.string('created_by', 255).notNullable();
    // ISO-8601 UTC strings: they compare correctly as text on every database
    table.string('created_at', 30).notNullable();
    table.string('updated_at', 30).notNullable();
    table.string('ready_at', 30).nullable();
    table.string('deleted_at', 30).nullable();
    table.string('deadline_at', 30).nullable();
    // provisioning stops at host_ready until a deploy is requested (the template's second step)
    table.boolean('hold_at_host').notNullable().defaultTo(false);
    table.text('host_ref').nullable();
    table.text('secrets').notNullable();
    table.string('lease_owner', 63).nullable();
    table.string('lease_expires_at', 30).nullable();
    table.unique(['live_name'], {
      indexName: 'dbaas_instances_live_name_uniq',
    });
    table.index(['status'], 'dbaas_instances_status_idx');
  });

  await knex.schema.createTable('dbaas_events', table => {
    table.comment('Timeline of each instance');
    table.bigIncrements('id').primary();
    table
      .string('instance_id', 36)
      .notNullable()
      .references('id')
      .inTable('dbaas_instances')
      .onDelete('CASCADE');
    table.string('at', 30).notNullable();
    table.string('type', 31).notNullable();
    table.text('message').notNullable();
    table.string('actor', 255).notNullable();
    table.text('data').nullable();
    table.index(['instance_id'], 'dbaas_events_instance_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('dbaas_events');
  await knex.schema.dropTable('dbaas_instances');
};
