// rehearse reads the migrations directory from here; the connection is rehearse's (or the benchmark's).
module.exports = { client: 'pg', migrations: { directory: './migrations' } };
