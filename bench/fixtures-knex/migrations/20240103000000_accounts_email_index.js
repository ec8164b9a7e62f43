// A plain index build over the whole table.
exports.up = (knex) => knex.schema.alterTable('accounts', (t) => t.index(['email'], 'accounts_email_idx'));

exports.down = (knex) => knex.schema.alterTable('accounts', (t) => t.dropIndex(['email'], 'accounts_email_idx'));
