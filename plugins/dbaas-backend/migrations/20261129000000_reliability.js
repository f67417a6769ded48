// @ts-check

/**
 * Fencing and retries: a lease token that grows with every takeover (each write of a worker
 * checks it), lease expiry in the database's own clock (milliseconds), and the retry state of
 * deletions and of the clean-up of failed creates.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('dbaas_instances', table => {
    table.integer('lease_token').notNullable().defaultTo(0);
    table.bigInteger('lease_until_ms').nullable();
    table
      .boolean('cleanup_pending')
      .notNullable()
      .defaultTo(false)
      .comment('A failed create whose host or server may still exist');
    table.integer('retry_attempts').notNullable().defaultTo(0);
    table.bigInteger('retry_at_ms').nullable();
    table.text('last_error').nullable();
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('dbaas_instances', table => {
    table.dropColumn('lease_token');
    table.dropColumn('lease_until_ms');
    table.dropColumn('cleanup_pending');
    table.dropColumn('retry_attempts');
    table.dropColumn('retry_at_ms');
    table.dropColumn('last_error');
  });
};
