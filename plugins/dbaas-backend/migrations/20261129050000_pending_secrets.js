// @ts-check

/**
 * The secrets a credential rotation is putting in place (sealed like `secrets`), kept until the
 * engine has them: a backend killed meanwhile finishes the rotation with the same password.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('dbaas_instances', table => {
    table.text('pending_secrets').nullable();
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('dbaas_instances', table => {
    table.dropColumn('pending_secrets');
  });
};
