-- Login, PIN and pairing throttles as counters reserved before the secret is checked (one
-- atomic upsert per key, so the limit holds across instances), one-time sign-in links sent
-- by e-mail, and how long a kiosk may keep a scan while offline.

-- One row per throttled key ("pair:<e-mail>|<address>", "account:<e-mail>", "pin:<person>",
-- ...): attempts reserved since window_start.
CREATE TABLE auth_throttle (
    key          TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    attempts     INTEGER NOT NULL
);
CREATE INDEX auth_throttle_window ON auth_throttle (window_start);

-- The failures table counted after the check; the counters above replace it.
DROP TABLE login_failures;

-- A sign-in link lets the owner in when the account-wide limit is spent (only its hash is
-- kept; it works once, for a short time).
CREATE TABLE login_links (
    token_hash TEXT PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES persons(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX login_links_person ON login_links (person_id);

-- How far back a kept offline scan may be dated; PINs are never accepted late.
ALTER TABLE sites ADD COLUMN kiosk_offline_minutes INTEGER NOT NULL DEFAULT 15
    CHECK (kiosk_offline_minutes BETWEEN 0 AND 1440);
