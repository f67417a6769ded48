// @ts-check

/**
 * Backups: one row per base backup (kept after its instance is deleted), the log files
 * (PostgreSQL WAL, MariaDB binary logs) shipped to the backup store since, and on instances
 * what a restore made them from and the database names they keep from their source.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('dbaas_backups', table => {
    table.comment('Base backups of instances, in the backup store');
    table.string('id', 64).primary();
    table.string('instance_id', 64).notNullable().index();
    table.string('kind', 16).notNullable();
    table.string('trigger', 16).notNullable();
    table.string('status', 16).notNullable();
    table.string('object_key', 512).nullable();
    table.bigInteger('size').nullable();
    table.string('sha256', 64).nullable();
    table.string('started_at', 32).notNullable();
    table.string('completed_at', 32).nullable();
    table.string('restorable_from', 32).nullable();
    table.string('wal_start', 64).nullable();
    table.string('wal_stop', 64).nullable();
    table.text('fault').nullable();
    table.string('requested_by', 255).notNullable();
    table.string('lease_owner', 255).nullable();
    table.bigInteger('lease_until_ms').nullable();
  });
  await knex.schema.createTable('dbaas_archived_logs', table => {
    table.comment('Log files of instances shipped to the backup store');
    table.string('instance_id', 64).notNullable();
    table.string('name', 128).notNullable();
    table.bigInteger('size').notNullable();
    table.string('sha256', 64).notNullable();
    table
      .string('archived_at', 32)
      .notNullable()
      .comment(
        'When the server finished the file: the log covers time up to it',
      );
    table.primary(['instance_id', 'name']);
  });
  await knex.schema.alterTable('dbaas_instances', table => {
    table
      .text('restore_from')
      .nullable()
      .comment(
        'JSON: the backup and target time a restore makes the instance from',
      );
    table
      .string('database_name', 64)
      .nullable()
      .comment(
        "A restored instance keeps its source's database and user names",
      );
    table
      .string('final_backup', 64)
      .nullable()
      .comment("A deletion's final backup: 'pending' until taken, then its id");
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('dbaas_instances', table => {
    table.dropColumn('restore_from');
    table.dropColumn('database_name');
    table.dropColumn('final_backup');
  });
  await knex.schema.dropTable('dbaas_archived_logs');
  await knex.schema.dropTable('dbaas_backups');
};
