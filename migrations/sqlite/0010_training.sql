-- Training: courses, the onboarding programme, sessions (a room reserved through bookings),
-- enrolments with a waitlist, attendance and its audited marks, completions (with the rules
-- they were earned under), and the reminders sent once each.

CREATE TABLE training_courses (
    id                INTEGER PRIMARY KEY,
    name_ja           TEXT NOT NULL,
    name_en           TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    kind              TEXT NOT NULL CHECK (kind IN ('onboarding', 'skill')),
    sessions_required INTEGER NOT NULL DEFAULT 1 CHECK (sessions_required >= 1),
    minimum_minutes   INTEGER NOT NULL DEFAULT 0 CHECK (minimum_minutes >= 0),
    validity_months   INTEGER CHECK (validity_months IS NULL OR validity_months >= 1),
    active            INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);

-- The ordered required courses of a site's onboarding; site_id NULL: every site.
CREATE TABLE training_programme (
    id        INTEGER PRIMARY KEY,
    site_id   INTEGER REFERENCES sites(id),
    course_id INTEGER NOT NULL REFERENCES training_courses(id),
    position  INTEGER NOT NULL
);
CREATE UNIQUE INDEX training_programme_course ON training_programme (COALESCE(site_id, 0), course_id);

-- Per-site settings: days after registration after which unfinished onboarding is behind.
CREATE TABLE training_settings (
    site_id     INTEGER PRIMARY KEY REFERENCES sites(id),
    behind_days INTEGER NOT NULL DEFAULT 30 CHECK (behind_days >= 0)
);

-- A session: in a room (space_id, reserved through bookings) or online (space_id NULL).
-- `enrolled` counts live enrolments: an UPDATE ... WHERE enrolled < capacity takes a place,
-- and the CHECK refuses any write that would go over.
CREATE TABLE training_sessions (
    id            INTEGER PRIMARY KEY,
    course_id     INTEGER NOT NULL REFERENCES training_courses(id),
    site_id       INTEGER NOT NULL REFERENCES sites(id),
    space_id      INTEGER REFERENCES spaces(id),
    trainer_id    INTEGER NOT NULL REFERENCES persons(id),
    starts_at     INTEGER NOT NULL,
    ends_at       INTEGER NOT NULL,
    capacity      INTEGER NOT NULL CHECK (capacity >= 1),
    enrolled      INTEGER NOT NULL DEFAULT 0,
    early_minutes INTEGER NOT NULL DEFAULT 30 CHECK (early_minutes >= 0),
    grace_minutes INTEGER NOT NULL DEFAULT 10 CHECK (grace_minutes >= 0),
    cancelled_at  INTEGER,
    -- When the job closed its attendances and granted its completions.
    closed_at     INTEGER,
    created_by    INTEGER NOT NULL REFERENCES persons(id),
    created_at    INTEGER NOT NULL,
    CHECK (ends_at > starts_at),
    CHECK (enrolled >= 0 AND enrolled <= capacity)
);
CREATE INDEX training_sessions_site_start ON training_sessions (site_id, starts_at);
CREATE INDEX training_sessions_course ON training_sessions (course_id, starts_at);
CREATE INDEX training_sessions_open ON training_sessions (ends_at) WHERE closed_at IS NULL;

-- The bookings that hold a session's room (one per seat).
CREATE TABLE training_session_rooms (
    session_id INTEGER NOT NULL REFERENCES training_sessions(id),
    booking_id INTEGER NOT NULL REFERENCES bookings(id),
    PRIMARY KEY (session_id, booking_id)
);

-- A person's place in a session, and their attendance.
CREATE TABLE training_enrolments (
    id              INTEGER PRIMARY KEY,
    session_id      INTEGER NOT NULL REFERENCES training_sessions(id),
    site_id         INTEGER NOT NULL REFERENCES sites(id),
    person_id       INTEGER NOT NULL REFERENCES persons(id),
    status          TEXT NOT NULL CHECK (status IN ('enrolled', 'waitlisted', 'cancelled')),
    attendance      TEXT CHECK (attendance IS NULL OR attendance IN ('present', 'late', 'excused', 'absent')),
    arrived_at      INTEGER,
    left_at         INTEGER,
    minutes_present INTEGER NOT NULL DEFAULT 0 CHECK (minutes_present >= 0),
    late_minutes    INTEGER NOT NULL DEFAULT 0 CHECK (late_minutes >= 0),
    early_minutes   INTEGER NOT NULL DEFAULT 0 CHECK (early_minutes >= 0),
    created_at      INTEGER NOT NULL,
    cancelled_at    INTEGER
);
CREATE UNIQUE INDEX training_enrolments_once ON training_enrolments (session_id, person_id) WHERE status <> 'cancelled';
CREATE INDEX training_enrolments_person ON training_enrolments (person_id, session_id);

-- Every change of an attendance: who, when, before and after, why.
CREATE TABLE training_marks (
    id            INTEGER PRIMARY KEY,
    enrolment_id  INTEGER NOT NULL REFERENCES training_enrolments(id),
    session_id    INTEGER NOT NULL REFERENCES training_sessions(id),
    person_id     INTEGER NOT NULL REFERENCES persons(id),
    by_id         INTEGER REFERENCES persons(id),
    source        TEXT NOT NULL CHECK (source IN ('kiosk', 'manual')),
    before_state  TEXT NOT NULL,
    after_state   TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    at            INTEGER NOT NULL
);
CREATE INDEX training_marks_enrolment ON training_marks (enrolment_id, id);

-- A course completed, with the rules it was earned under (a later change of the course
-- never rewrites it) and the instant it expires (NULL: never).
CREATE TABLE training_completions (
    id                INTEGER PRIMARY KEY,
    person_id         INTEGER NOT NULL REFERENCES persons(id),
    course_id         INTEGER NOT NULL REFERENCES training_courses(id),
    completed_at      INTEGER NOT NULL,
    expires_at        INTEGER,
    sessions_required INTEGER NOT NULL,
    minimum_minutes   INTEGER NOT NULL,
    validity_months   INTEGER,
    created_at        INTEGER NOT NULL
);
CREATE UNIQUE INDEX training_completions_once ON training_completions (person_id, course_id, completed_at);

-- One row per reminder sent: (kind, subject) unique, so two instances send it once.
CREATE TABLE training_reminders (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('expiry_30', 'expiry_7', 'session_eve')),
    subject_id INTEGER NOT NULL,
    person_id  INTEGER NOT NULL REFERENCES persons(id),
    sent_at    INTEGER NOT NULL,
    UNIQUE (kind, subject_id)
);
