// The trunk: the table the seed fills.
exports.up = (knex) =>
  knex.schema.createTable('accounts', (t) => {
    t.bigIncrements('id');
    t.text('email').notNullable();
    t.text('first_name').notNullable();
    t.text('last_name').notNullable();
    t.integer('balance_cents').notNullable().defaultTo(0);
  });

exports.down = (knex) => knex.schema.dropTable('accounts');
