DROP INDEX accounts_email_idx ON accounts;
