-- Secure client rooms (issue 20): per client project its roster, its workers' NDAs and its
-- required courses; a secure room's projects and its "roster is enough" flag; door readers
-- (kiosk devices paired to a room); who is inside a room; and the append-only audit trail,
-- hash-chained (each record carries sha256 over its content and the previous record's hash).
-- Dates are the site's local dates, 'YYYY-MM-DD' (compared as text).

CREATE TABLE access_rosters (
    id         INTEGER PRIMARY KEY,
    site_id    INTEGER NOT NULL REFERENCES sites(id),
    project_id INTEGER NOT NULL REFERENCES client_projects(id),
    person_id  INTEGER NOT NULL REFERENCES persons(id),
    valid_from TEXT NOT NULL,
    valid_to   TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (project_id, person_id),
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX access_rosters_person ON access_rosters (person_id);

CREATE TABLE access_ndas (
    id           INTEGER PRIMARY KEY,
    site_id      INTEGER NOT NULL REFERENCES sites(id),
    project_id   INTEGER NOT NULL REFERENCES client_projects(id),
    person_id    INTEGER NOT NULL REFERENCES persons(id),
    signed_on    TEXT NOT NULL,
    -- The last day it holds; NULL: no expiry.
    expires_on   TEXT,
    document_ref TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (project_id, person_id),
    CHECK (expires_on IS NULL OR expires_on >= signed_on)
);

CREATE TABLE access_requirements (
    project_id INTEGER NOT NULL REFERENCES client_projects(id),
    course_id  INTEGER NOT NULL REFERENCES training_courses(id),
    PRIMARY KEY (project_id, course_id)
);

CREATE TABLE access_rooms (
    space_id      INTEGER PRIMARY KEY REFERENCES spaces(id),
    site_id       INTEGER NOT NULL REFERENCES sites(id),
    roster_enough INTEGER NOT NULL DEFAULT 0 CHECK (roster_enough IN (0, 1))
);

CREATE TABLE access_room_projects (
    space_id   INTEGER NOT NULL REFERENCES spaces(id),
    project_id INTEGER NOT NULL REFERENCES client_projects(id),
    PRIMARY KEY (space_id, project_id)
);
CREATE INDEX access_room_projects_project ON access_room_projects (project_id);

-- A kiosk device paired to a secure room: a door reader, never an entrance kiosk.
CREATE TABLE access_doors (
    device_id INTEGER PRIMARY KEY REFERENCES kiosk_devices(id),
    site_id   INTEGER NOT NULL REFERENCES sites(id),
    space_id  INTEGER NOT NULL REFERENCES spaces(id)
);

CREATE TABLE access_occupants (
    space_id   INTEGER NOT NULL REFERENCES spaces(id),
    person_id  INTEGER NOT NULL REFERENCES persons(id),
    site_id    INTEGER NOT NULL REFERENCES sites(id),
    entered_at INTEGER NOT NULL,
    PRIMARY KEY (space_id, person_id)
);

-- The audit trail. `id` is the position in the one chain (1, 2, 3, ...: no gaps), given by
-- the writer that holds the chain head; `prev_hash` is the previous record's hash.
CREATE TABLE access_audit (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    site_id    INTEGER NOT NULL,
    actor_id   INTEGER,
    device_id  INTEGER,
    space_id   INTEGER,
    project_id INTEGER,
    subject_id INTEGER,
    action     TEXT NOT NULL,
    decision   TEXT NOT NULL,
    reason     TEXT NOT NULL,
    detail     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX access_audit_space_at ON access_audit (space_id, at);
CREATE INDEX access_audit_site_at ON access_audit (site_id, at);

CREATE TRIGGER access_audit_no_update BEFORE UPDATE ON access_audit
BEGIN
    SELECT RAISE(ABORT, 'access_audit_append_only');
END;
CREATE TRIGGER access_audit_no_delete BEFORE DELETE ON access_audit
BEGIN
    SELECT RAISE(ABORT, 'access_audit_append_only');
END;

-- The chain's head: one row, whose lock serialises appends.
CREATE TABLE access_chain (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    last_id   INTEGER NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO access_chain (id, last_id, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- A director's certification of the access review.
CREATE TABLE access_reviews (
    id           INTEGER PRIMARY KEY,
    site_id      INTEGER NOT NULL REFERENCES sites(id),
    certified_by INTEGER NOT NULL REFERENCES persons(id),
    certified_at INTEGER NOT NULL,
    entries      INTEGER NOT NULL
);

-- One row per reminder sent (`subject`: what it is about, e.g. "nda:7:2026-12-31" or
-- "booking:42"): the primary key makes it once, with any number of instances.
CREATE TABLE access_reminders (
    person_id INTEGER NOT NULL REFERENCES persons(id),
    what      TEXT NOT NULL,
    subject   TEXT NOT NULL,
    sent_at   INTEGER NOT NULL,
    PRIMARY KEY (person_id, what, subject)
);
