// @ts-check

/**
 * The image an instance's server was made from: an upgrade moves it to the flavor's current one.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('dbaas_instances', table => {
    table.string('image', 512).nullable();
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('dbaas_instances', table => {
    table.dropColumn('image');
  });
};
