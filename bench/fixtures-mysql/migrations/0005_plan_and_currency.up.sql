-- Columns with constant defaults, added at the end: ALGORITHM=INSTANT, no row touched.
ALTER TABLE accounts ADD COLUMN plan varchar(16) NOT NULL DEFAULT 'free', ALGORITHM=INSTANT;
ALTER TABLE invoices ADD COLUMN currency char(3) NOT NULL DEFAULT 'EUR', ALGORITHM=INSTANT;
