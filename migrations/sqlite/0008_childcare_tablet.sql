-- The childcare room's tablet: nap checks, the day's notes per child, one-time pick-up codes,
-- and the not-collected notice sent once.

-- Minutes between nap checks by age group (under 1, ages 1-2, 3 and older).
ALTER TABLE childcare_settings ADD COLUMN nap_check_under1_min INTEGER NOT NULL DEFAULT 5
    CHECK (nap_check_under1_min BETWEEN 1 AND 60);
ALTER TABLE childcare_settings ADD COLUMN nap_check_age1_2_min INTEGER NOT NULL DEFAULT 10
    CHECK (nap_check_age1_2_min BETWEEN 1 AND 60);
ALTER TABLE childcare_settings ADD COLUMN nap_check_older_min INTEGER NOT NULL DEFAULT 15
    CHECK (nap_check_older_min BETWEEN 1 AND 60);

-- A pick-up code works once: spent by the hand-over that accepted it (a conditional update,
-- so two tablets cannot both accept it).
ALTER TABLE authorised_persons ADD COLUMN pickup_code_used_at INTEGER;

-- When the guardian was told their child was not collected (set once, with the e-mail).
ALTER TABLE childcare_bookings ADD COLUMN not_collected_notified_at INTEGER;
-- The job's question every run: which children are still in a room.
CREATE INDEX childcare_bookings_in_room ON childcare_bookings (ends_at) WHERE status = 'dropped_off';

CREATE TABLE naps (
    id                   INTEGER PRIMARY KEY,
    site_id              INTEGER NOT NULL REFERENCES sites(id),
    childcare_booking_id INTEGER NOT NULL REFERENCES childcare_bookings(id),
    started_at           INTEGER NOT NULL,
    started_by           INTEGER NOT NULL REFERENCES persons(id),
    ended_at             INTEGER,
    ended_by             INTEGER REFERENCES persons(id),
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
-- One nap at a time per place, whatever two tablets do at once.
CREATE UNIQUE INDEX naps_one_open ON naps (childcare_booking_id) WHERE ended_at IS NULL;
CREATE INDEX naps_booking ON naps (childcare_booking_id, started_at);
CREATE INDEX naps_site_open ON naps (site_id) WHERE ended_at IS NULL;

CREATE TABLE nap_checks (
    id           INTEGER PRIMARY KEY,
    nap_id       INTEGER NOT NULL REFERENCES naps(id),
    site_id      INTEGER NOT NULL REFERENCES sites(id),
    at           INTEGER NOT NULL,
    caregiver_id INTEGER NOT NULL REFERENCES persons(id),
    breathing    INTEGER NOT NULL CHECK (breathing IN (0, 1)),
    position     TEXT NOT NULL CHECK (position IN ('back', 'side', 'front'))
);
CREATE INDEX nap_checks_nap ON nap_checks (nap_id, at);

CREATE TABLE child_day_notes (
    id                   INTEGER PRIMARY KEY,
    site_id              INTEGER NOT NULL REFERENCES sites(id),
    childcare_booking_id INTEGER NOT NULL REFERENCES childcare_bookings(id),
    kind                 TEXT NOT NULL CHECK (kind IN ('meal', 'toilet', 'mood', 'note')),
    body                 TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    caregiver_id         INTEGER NOT NULL REFERENCES persons(id),
    at                   INTEGER NOT NULL
);
CREATE INDEX child_day_notes_booking ON child_day_notes (childcare_booking_id, at);
