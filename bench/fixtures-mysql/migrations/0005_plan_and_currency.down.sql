ALTER TABLE invoices DROP COLUMN currency;
ALTER TABLE accounts DROP COLUMN plan;
