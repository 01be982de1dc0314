-- Per repository: the last valid settings file, and the onboarding state after install.

CREATE TABLE repo_settings (
    repo            TEXT        PRIMARY KEY,
    installation_id BIGINT      NOT NULL,
    text            TEXT        NOT NULL,
    commit_sha      TEXT,
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE INDEX repo_settings_installation ON repo_settings (installation_id);

CREATE TABLE onboardings (
    repo            TEXT        PRIMARY KEY,
    installation_id BIGINT      NOT NULL,
    issue           BIGINT,
    state           TEXT        NOT NULL CHECK (state IN ('pending', 'done')),
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE INDEX onboardings_installation ON onboardings (installation_id);
