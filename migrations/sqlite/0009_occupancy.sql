-- The staff live view: where spaces sit on the site's plan, evacuation roll calls and their
-- entries (the list is fixed when the roll call starts, so the saved report says who was
-- inside then and who marked them safe).

-- Positions on a plan of 1000 x 1000 units (x, y: the top-left corner).
CREATE TABLE space_positions (
    space_id INTEGER PRIMARY KEY REFERENCES spaces(id),
    site_id  INTEGER NOT NULL REFERENCES sites(id),
    x        INTEGER NOT NULL CHECK (x BETWEEN 0 AND 1000),
    y        INTEGER NOT NULL CHECK (y BETWEEN 0 AND 1000),
    width    INTEGER NOT NULL DEFAULT 40 CHECK (width BETWEEN 1 AND 1000),
    height   INTEGER NOT NULL DEFAULT 40 CHECK (height BETWEEN 1 AND 1000)
);
CREATE INDEX space_positions_site ON space_positions (site_id);

CREATE TABLE roll_calls (
    id         INTEGER PRIMARY KEY,
    site_id    INTEGER NOT NULL REFERENCES sites(id),
    started_at INTEGER NOT NULL,
    started_by INTEGER NOT NULL REFERENCES persons(id),
    ended_at   INTEGER,
    ended_by   INTEGER REFERENCES persons(id)
);
CREATE INDEX roll_calls_site ON roll_calls (site_id, started_at);
-- One open roll call per site: a second start joins it.
CREATE UNIQUE INDEX roll_calls_open ON roll_calls (site_id) WHERE ended_at IS NULL;

-- kind: worker, staff or child; subject_id: the person's or the child's id. expected = 1:
-- booked for now but not arrived (listed apart, nobody needs to find them inside).
CREATE TABLE roll_call_entries (
    id           INTEGER PRIMARY KEY,
    roll_call_id INTEGER NOT NULL REFERENCES roll_calls(id),
    kind         TEXT NOT NULL CHECK (kind IN ('worker', 'staff', 'child')),
    subject_id   INTEGER NOT NULL,
    name         TEXT NOT NULL,
    place        TEXT NOT NULL DEFAULT '',
    guardian     TEXT NOT NULL DEFAULT '',
    caregiver    TEXT NOT NULL DEFAULT '',
    expected     INTEGER NOT NULL DEFAULT 0 CHECK (expected IN (0, 1)),
    marked_at    INTEGER,
    marked_by    INTEGER REFERENCES persons(id),
    UNIQUE (roll_call_id, kind, subject_id)
);

-- Who is inside now, without reading a site's whole presence history (checked_out_at in the key,
-- so that the planner prefers it to presence_site for "site_id = ? AND checked_out_at IS NULL").
CREATE INDEX presence_open_site ON presence_sessions (site_id, checked_out_at, checked_in_at)
    WHERE checked_out_at IS NULL;

-- Utilisation history, rolled up per site and local day by an idempotent job (occupancy::
-- history): seconds of desk seats, room seats and childcare places in use per local hour,
-- and per day the bookings kept, the no-shows and the most people inside at once.
CREATE TABLE utilisation_days (
    site_id   INTEGER NOT NULL REFERENCES sites(id),
    day       TEXT NOT NULL,
    weekday   INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    kept      INTEGER NOT NULL,
    no_shows  INTEGER NOT NULL,
    peak      INTEGER NOT NULL,
    PRIMARY KEY (site_id, day)
);

CREATE TABLE utilisation_hours (
    site_id        INTEGER NOT NULL REFERENCES sites(id),
    day            TEXT NOT NULL,
    hour           INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
    desk_secs      INTEGER NOT NULL,
    room_secs      INTEGER NOT NULL,
    childcare_secs INTEGER NOT NULL,
    PRIMARY KEY (site_id, day, hour)
);
