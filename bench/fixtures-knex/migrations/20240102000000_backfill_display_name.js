// A column and its backfill: every row rewritten, in the migration's transaction.
exports.up = async (knex) => {
  await knex.schema.alterTable('accounts', (t) => t.text('display_name'));
  await knex('accounts').update({ display_name: knex.raw("first_name || ' ' || last_name") });
};

exports.down = (knex) => knex.schema.alterTable('accounts', (t) => t.dropColumn('display_name'));
