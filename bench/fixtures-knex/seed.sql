-- ROWS accounts, deterministic (no random()): the same data for rehearse and for knex's migrator.
INSERT INTO accounts (email, first_name, last_name, balance_cents)
SELECT 'user' || g || '@example.com', 'First' || (g % 1000), 'Last' || (g % 997), g % 100000
FROM generate_series(1, ROWS) AS g;
ANALYZE accounts;
