-- Invitations (issue 21): a mailed link with which an imported or new person sets their
-- first password. Only the token's hash is kept; the link works once (the conditional UPDATE
-- that uses it matches an unused row only) and until it expires.

CREATE TABLE person_invitations (
    token_hash TEXT PRIMARY KEY,
    person_id  BIGINT NOT NULL REFERENCES persons(id),
    invited_by BIGINT REFERENCES persons(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    CHECK (expires_at > created_at)
);
CREATE INDEX person_invitations_person ON person_invitations (person_id);
