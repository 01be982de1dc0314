-- The whole store: deliveries, the job queue, installations, tracked post-mortems and follow-ups.
-- Timestamps are integer microseconds since the Unix epoch (UTC), so comparisons are numeric and
-- the precision matches PostgreSQL's timestamptz.

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    unique_key   TEXT    UNIQUE,
    state        TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'done', 'dead')),
    run_at       INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    worker       TEXT,
    lease_until  INTEGER,
    last_error   TEXT,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER
);

-- Claims and stats only look at unfinished jobs.
CREATE INDEX jobs_queued ON jobs (run_at, id) WHERE state = 'queued';
CREATE INDEX jobs_running ON jobs (lease_until) WHERE state = 'running';

CREATE TABLE deliveries (
    id          TEXT    PRIMARY KEY,
    event       TEXT    NOT NULL,
    job_id      INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
    received_at INTEGER NOT NULL
);

CREATE TABLE installations (
    id         INTEGER PRIMARY KEY,
    account    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- No foreign key to installations: repository events may arrive for an installation recorded
-- before the bot was deployed; delete_installation removes these rows itself.
CREATE TABLE repositories (
    installation_id INTEGER NOT NULL,
    owner           TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    PRIMARY KEY (installation_id, owner, name)
);

CREATE TABLE postmortems (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    installation_id INTEGER NOT NULL,
    repo            TEXT    NOT NULL,
    source          TEXT    NOT NULL UNIQUE,
    title           TEXT    NOT NULL,
    tracking_issue  INTEGER,
    author          TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE INDEX postmortems_repo ON postmortems (repo);
CREATE INDEX postmortems_installation ON postmortems (installation_id);

CREATE TABLE follow_ups (
    postmortem_id       INTEGER NOT NULL REFERENCES postmortems (id) ON DELETE CASCADE,
    key                 TEXT    NOT NULL,
    title               TEXT    NOT NULL,
    issue               INTEGER,
    adopted             INTEGER NOT NULL,
    state               TEXT    NOT NULL CHECK (state IN ('open', 'closed', 'removed')),
    done_in_doc         INTEGER NOT NULL,
    owner               TEXT,
    due                 TEXT,
    priority            TEXT,
    body_hash           TEXT    NOT NULL,
    position            INTEGER NOT NULL,
    last_human_activity INTEGER,
    nag_count           INTEGER NOT NULL,
    last_nag_at         INTEGER,
    escalated           INTEGER NOT NULL,
    snoozed_until       INTEGER,
    created_at          INTEGER NOT NULL,
    closed_at           INTEGER,
    PRIMARY KEY (postmortem_id, key)
);

CREATE INDEX follow_ups_issue ON follow_ups (issue);
