-- An online index build (ALGORITHM=INPLACE, LOCK=NONE): InnoDB reads every row and sorts the
-- keys; writes go on except at the start and the end, where the build takes the table's
-- metadata lock exclusively for a moment.
CREATE INDEX accounts_email_idx ON accounts (email) ALGORITHM=INPLACE LOCK=NONE;
