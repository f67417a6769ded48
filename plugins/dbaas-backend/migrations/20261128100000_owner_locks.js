// @ts-check

/**
 * One row per owner, locked (SELECT … FOR UPDATE) while a create checks the owner's quota
 * and inserts, so parallel creates never over-admit on any store.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('dbaas_owner_locks', table => {
    table.comment('Serialises quota admission per owner');
    table.string('owner', 255).primary();
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('dbaas_owner_locks');
};
