CREATE TABLE invoices (
    id           bigint      NOT NULL PRIMARY KEY,
    account_id   bigint      NOT NULL,
    amount_cents int         NOT NULL,
    state        varchar(16) NOT NULL,
    issued_at    datetime    NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
