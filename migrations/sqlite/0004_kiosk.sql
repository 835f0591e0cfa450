-- Entrance kiosk: credentials (QR versions, IC cards, PINs), presence sessions, the scan log.

ALTER TABLE sites ADD COLUMN allow_walk_in INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sites ADD COLUMN check_in_early_minutes INTEGER NOT NULL DEFAULT 15;

-- Per person: the version every QR code is signed with (raising it revokes them all), the
-- printed card's serial (raising it revokes the card), the PIN and its lockout.
CREATE TABLE kiosk_credentials (
    person_id        INTEGER PRIMARY KEY REFERENCES persons(id),
    qr_version       INTEGER NOT NULL DEFAULT 1,
    card_serial      INTEGER NOT NULL DEFAULT 1,
    pin_hash         TEXT,
    pin_failures     INTEGER NOT NULL DEFAULT 0,
    pin_locked_until INTEGER
);

CREATE TABLE ic_cards (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES persons(id),
    card_hash  TEXT NOT NULL UNIQUE,
    label      TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX ic_cards_person ON ic_cards (person_id);

-- Time in the building: from check-in to check-out (or the site's closing time, flagged).
CREATE TABLE presence_sessions (
    id             INTEGER PRIMARY KEY,
    site_id        INTEGER NOT NULL REFERENCES sites(id),
    person_id      INTEGER NOT NULL REFERENCES persons(id),
    booking_id     INTEGER REFERENCES bookings(id),
    checked_in_at  INTEGER NOT NULL,
    checked_out_at INTEGER,
    auto_closed    INTEGER NOT NULL DEFAULT 0 CHECK (auto_closed IN (0, 1))
);
CREATE INDEX presence_person ON presence_sessions (person_id, checked_in_at);
CREATE INDEX presence_site ON presence_sessions (site_id, checked_in_at);
-- At most one open session per person.
CREATE UNIQUE INDEX presence_open ON presence_sessions (person_id) WHERE checked_out_at IS NULL;

CREATE TABLE scans (
    id          INTEGER PRIMARY KEY,
    device_id   INTEGER NOT NULL REFERENCES kiosk_devices(id),
    site_id     INTEGER NOT NULL REFERENCES sites(id),
    person_id   INTEGER REFERENCES persons(id),
    method      TEXT NOT NULL,
    result      TEXT NOT NULL,
    scanned_at  INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    delayed     INTEGER NOT NULL DEFAULT 0 CHECK (delayed IN (0, 1))
);
CREATE INDEX scans_person ON scans (person_id, scanned_at);
CREATE INDEX scans_site ON scans (site_id, scanned_at);

-- The kiosk asks the caregiver to receive a child; the caregiver confirms the drop-off.
ALTER TABLE childcare_bookings ADD COLUMN dropoff_requested_at INTEGER;
