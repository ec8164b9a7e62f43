-- int -> bigint: InnoDB cannot widen the column in place, so the table is copied row by row
-- into a new one (ALGORITHM=COPY, LOCK=SHARED: reads go on, writes wait) and its indexes rebuilt.
ALTER TABLE accounts MODIFY balance_cents bigint NOT NULL, ALGORITHM=COPY;
