-- Bookings of desks and room seats, recurring series, per-site booking rules, calendar feeds.

ALTER TABLE sites ADD COLUMN booking_window_days INTEGER NOT NULL DEFAULT 28;
ALTER TABLE sites ADD COLUMN no_show_grace_minutes INTEGER NOT NULL DEFAULT 30;
ALTER TABLE sites ADD COLUMN max_hours_per_day INTEGER NOT NULL DEFAULT 8;
ALTER TABLE sites ADD COLUMN max_active_bookings INTEGER NOT NULL DEFAULT 40;

CREATE TABLE booking_series (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES persons(id),
    site_id    INTEGER NOT NULL REFERENCES sites(id),
    weekdays   TEXT NOT NULL,
    start_time TEXT NOT NULL,
    end_time   TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- A room of capacity N has seats 1..N; a desk has seat 1. "No two live bookings of one seat
-- overlap" then covers desks and room capacity alike.
CREATE TABLE bookings (
    id            INTEGER PRIMARY KEY,
    site_id       INTEGER NOT NULL REFERENCES sites(id),
    space_id      INTEGER NOT NULL REFERENCES spaces(id),
    space_kind    TEXT NOT NULL,
    seat          INTEGER NOT NULL DEFAULT 1 CHECK (seat >= 1),
    person_id     INTEGER NOT NULL REFERENCES persons(id),
    series_id     INTEGER REFERENCES booking_series(id),
    starts_at     INTEGER NOT NULL,
    ends_at       INTEGER NOT NULL,
    status        TEXT NOT NULL DEFAULT 'active'
                  CHECK (status IN ('active', 'checked_in', 'cancelled', 'no_show')),
    created_by    INTEGER NOT NULL REFERENCES persons(id),
    created_at    INTEGER NOT NULL,
    checked_in_at INTEGER,
    cancelled_at  INTEGER,
    cancelled_by  INTEGER REFERENCES persons(id),
    CHECK (ends_at > starts_at)
);
CREATE INDEX bookings_site_start ON bookings (site_id, starts_at);
CREATE INDEX bookings_person_start ON bookings (person_id, starts_at);
CREATE INDEX bookings_space_start ON bookings (space_id, starts_at);
CREATE INDEX bookings_series ON bookings (series_id) WHERE series_id IS NOT NULL;
CREATE INDEX bookings_pending ON bookings (starts_at) WHERE status = 'active';

-- SQLite serialises writers, so a trigger that looks before each write is enough to keep
-- live bookings of a seat from overlapping (PostgreSQL uses exclusion constraints). The
-- messages are the PostgreSQL constraint names, so both backends report the same name.
-- A booking lies within one day, so only the day before a start can hold an overlapping
-- booking: that lower bound lets the (space_id, starts_at) and (person_id, starts_at)
-- indexes keep each check small however long the history grows.
CREATE TRIGGER bookings_no_overlap_insert BEFORE INSERT ON bookings
WHEN NEW.status IN ('active', 'checked_in')
BEGIN
    SELECT RAISE(ABORT, 'bookings_no_overlap') WHERE EXISTS (
        SELECT 1 FROM bookings b
        WHERE b.space_id = NEW.space_id AND b.seat = NEW.seat
          AND b.status IN ('active', 'checked_in')
          AND b.starts_at < NEW.ends_at AND NEW.starts_at < b.ends_at
          AND b.starts_at > NEW.starts_at - 86400);
    SELECT RAISE(ABORT, 'bookings_one_desk_per_person') WHERE NEW.space_kind = 'desk' AND EXISTS (
        SELECT 1 FROM bookings b
        WHERE b.person_id = NEW.person_id AND b.space_kind = 'desk'
          AND b.status IN ('active', 'checked_in')
          AND b.starts_at < NEW.ends_at AND NEW.starts_at < b.ends_at
          AND b.starts_at > NEW.starts_at - 86400);
END;

CREATE TRIGGER bookings_no_overlap_update BEFORE UPDATE OF space_id, seat, starts_at, ends_at, status, person_id ON bookings
WHEN NEW.status IN ('active', 'checked_in')
BEGIN
    SELECT RAISE(ABORT, 'bookings_no_overlap') WHERE EXISTS (
        SELECT 1 FROM bookings b
        WHERE b.id <> NEW.id AND b.space_id = NEW.space_id AND b.seat = NEW.seat
          AND b.status IN ('active', 'checked_in')
          AND b.starts_at < NEW.ends_at AND NEW.starts_at < b.ends_at
          AND b.starts_at > NEW.starts_at - 86400);
    SELECT RAISE(ABORT, 'bookings_one_desk_per_person') WHERE NEW.space_kind = 'desk' AND EXISTS (
        SELECT 1 FROM bookings b
        WHERE b.id <> NEW.id AND b.person_id = NEW.person_id AND b.space_kind = 'desk'
          AND b.status IN ('active', 'checked_in')
          AND b.starts_at < NEW.ends_at AND NEW.starts_at < b.ends_at
          AND b.starts_at > NEW.starts_at - 86400);
END;

CREATE TABLE calendar_feeds (
    person_id  INTEGER PRIMARY KEY REFERENCES persons(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
