-- Named leases: one holder at a time per name until `until`.
CREATE TABLE leases (
    name   TEXT        PRIMARY KEY,
    holder TEXT        NOT NULL,
    until  TIMESTAMPTZ NOT NULL
);
