ALTER TABLE accounts MODIFY balance_cents int NOT NULL, ALGORITHM=COPY;
