// @ts-check

/**
 * The first answer to each Idempotency-Key, per caller: a client that retries a POST after a
 * lost response gets that answer again instead of a second database or a 409.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('dbaas_idempotency', table => {
    table.comment('The first response to each Idempotency-Key');
    table.string('caller', 255).notNullable();
    table.string('key', 255).notNullable();
    table.string('request_hash', 64).notNullable();
    table
      .integer('status')
      .nullable()
      .comment('null while the first request runs');
    table.text('body').nullable();
    table.bigInteger('expires_at_ms').notNullable();
    table.primary(['caller', 'key']);
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('dbaas_idempotency');
};
