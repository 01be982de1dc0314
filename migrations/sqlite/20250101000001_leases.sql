-- Named leases: one holder at a time per name until `until` (integer microseconds, UTC).
CREATE TABLE leases (
    name   TEXT    PRIMARY KEY,
    holder TEXT    NOT NULL,
    until  INTEGER NOT NULL
);
