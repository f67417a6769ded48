// @ts-check

/**
 * The users and databases made inside an instance's server besides its application user and
 * database: what the Manager made (or is making, or removing), with users' sealed passwords.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('dbaas_database_objects', table => {
    table.comment('Users and databases made inside instances');
    table.string('instance_id', 64).notNullable();
    table.string('kind', 16).notNullable().comment('user or database');
    table.string('name', 64).notNullable();
    table
      .string('role', 16)
      .nullable()
      .comment('A user: readonly or readwrite');
    table
      .string('database', 64)
      .nullable()
      .comment('A user: where its role applies');
    table.text('secret').nullable().comment('A user: its sealed password');
    table.string('status', 16).notNullable();
    table.string('created_by', 255).notNullable();
    table.string('created_at', 32).notNullable();
    table.primary(['instance_id', 'kind', 'name']);
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('dbaas_database_objects');
};
