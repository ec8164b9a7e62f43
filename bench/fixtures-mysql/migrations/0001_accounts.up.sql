CREATE TABLE accounts (
    id            bigint       NOT NULL PRIMARY KEY,
    email         varchar(255) NOT NULL,
    name          varchar(100) NOT NULL,
    country       char(2)      NOT NULL,
    status        varchar(16)  NOT NULL,
    balance_cents int          NOT NULL,
    created_at    datetime     NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
