-- A nullable column added at the end (ALGORITHM=INSTANT on InnoDB: metadata only), then a
-- backfill of every row: one UPDATE, one transaction, every row written and undo-logged.
ALTER TABLE accounts ADD COLUMN display_name varchar(400) NULL;
UPDATE accounts SET display_name = CONCAT(UPPER(LEFT(name, 1)), SUBSTRING(name, 2), ' <', email, '>');
