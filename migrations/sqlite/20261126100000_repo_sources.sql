-- Per repository: the last valid settings file, and the onboarding state after install.
-- Timestamps are integer microseconds since the Unix epoch (UTC), as elsewhere.

CREATE TABLE repo_settings (
    repo            TEXT    PRIMARY KEY,
    installation_id INTEGER NOT NULL,
    text            TEXT    NOT NULL,
    commit_sha      TEXT,
    updated_at      INTEGER NOT NULL
);

CREATE INDEX repo_settings_installation ON repo_settings (installation_id);

CREATE TABLE onboardings (
    repo            TEXT    PRIMARY KEY,
    installation_id INTEGER NOT NULL,
    issue           INTEGER,
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'done')),
    updated_at      INTEGER NOT NULL
);

CREATE INDEX onboardings_installation ON onboardings (installation_id);
