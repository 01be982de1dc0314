-- Nags and digests: the sweep's index, the digest issue per repository, digest history, and each
-- post-mortem's time to resolve.

-- The nag sweep reads open follow-ups quietest first.
CREATE INDEX follow_ups_sweep ON follow_ups (COALESCE(last_human_activity, created_at), postmortem_id, key)
    WHERE state = 'open';

ALTER TABLE postmortems ADD COLUMN time_to_resolve_minutes INTEGER;

CREATE TABLE digest_issues (
    repo  TEXT    PRIMARY KEY,
    issue INTEGER NOT NULL
);

CREATE TABLE digests (
    repo    TEXT    NOT NULL,
    week    TEXT    NOT NULL,
    issue   INTEGER NOT NULL,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (repo, week)
);
