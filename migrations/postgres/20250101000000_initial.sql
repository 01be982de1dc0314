-- The whole store: deliveries, the job queue, installations, tracked post-mortems and follow-ups.
-- Every integer is BIGINT so both backends read the same Rust types.

CREATE TABLE jobs (
    id           BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         TEXT        NOT NULL,
    -- JSON text, not JSONB: JSONB refuses a \u0000 escape that a webhook body may well carry.
    payload      TEXT        NOT NULL,
    unique_key   TEXT        UNIQUE,
    state        TEXT        NOT NULL CHECK (state IN ('queued', 'running', 'done', 'dead')),
    run_at       TIMESTAMPTZ NOT NULL,
    attempts     BIGINT      NOT NULL DEFAULT 0,
    max_attempts BIGINT      NOT NULL,
    worker       TEXT,
    lease_until  TIMESTAMPTZ,
    last_error   TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ
);

-- Claims and stats only look at unfinished jobs.
CREATE INDEX jobs_queued ON jobs (run_at, id) WHERE state = 'queued';
CREATE INDEX jobs_running ON jobs (lease_until) WHERE state = 'running';

CREATE TABLE deliveries (
    id          TEXT        PRIMARY KEY,
    event       TEXT        NOT NULL,
    job_id      BIGINT      REFERENCES jobs (id) ON DELETE SET NULL,
    received_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE installations (
    id         BIGINT      PRIMARY KEY,
    account    TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- No foreign key to installations: repository events may arrive for an installation recorded
-- before the bot was deployed; delete_installation removes these rows itself.
CREATE TABLE repositories (
    installation_id BIGINT NOT NULL,
    owner           TEXT   NOT NULL,
    name            TEXT   NOT NULL,
    PRIMARY KEY (installation_id, owner, name)
);

CREATE TABLE postmortems (
    id              BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    installation_id BIGINT      NOT NULL,
    repo            TEXT        NOT NULL,
    source          TEXT        NOT NULL UNIQUE,
    title           TEXT        NOT NULL,
    tracking_issue  BIGINT,
    author          TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE INDEX postmortems_repo ON postmortems (repo);
CREATE INDEX postmortems_installation ON postmortems (installation_id);

CREATE TABLE follow_ups (
    postmortem_id       BIGINT      NOT NULL REFERENCES postmortems (id) ON DELETE CASCADE,
    key                 TEXT        NOT NULL,
    title               TEXT        NOT NULL,
    issue               BIGINT,
    adopted             BOOLEAN     NOT NULL,
    state               TEXT        NOT NULL CHECK (state IN ('open', 'closed', 'removed')),
    done_in_doc         BOOLEAN     NOT NULL,
    owner               TEXT,
    due                 TEXT,
    priority            TEXT,
    body_hash           TEXT        NOT NULL,
    position            BIGINT      NOT NULL,
    last_human_activity TIMESTAMPTZ,
    nag_count           BIGINT      NOT NULL,
    last_nag_at         TIMESTAMPTZ,
    escalated           BOOLEAN     NOT NULL,
    snoozed_until       TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL,
    closed_at           TIMESTAMPTZ,
    PRIMARY KEY (postmortem_id, key)
);

CREATE INDEX follow_ups_issue ON follow_ups (issue);
