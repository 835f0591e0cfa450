-- Childcare: children and who may collect them, caregiver shifts, ratio-based places,
-- waitlist, hand-over records.

CREATE TABLE childcare_settings (
    site_id                INTEGER PRIMARY KEY REFERENCES sites(id),
    ratio_under1           INTEGER NOT NULL DEFAULT 3 CHECK (ratio_under1 >= 1),
    ratio_age1_2           INTEGER NOT NULL DEFAULT 6 CHECK (ratio_age1_2 >= 1),
    ratio_age3             INTEGER NOT NULL DEFAULT 15 CHECK (ratio_age3 >= 1),
    ratio_age4_plus        INTEGER NOT NULL DEFAULT 25 CHECK (ratio_age4_plus >= 1),
    min_staff              INTEGER NOT NULL DEFAULT 2 CHECK (min_staff >= 1),
    age_basis              TEXT NOT NULL DEFAULT 'age' CHECK (age_basis IN ('age', 'class')),
    within_booking         INTEGER NOT NULL DEFAULT 1 CHECK (within_booking IN (0, 1)),
    keep_on_desk_cancel    INTEGER NOT NULL DEFAULT 0 CHECK (keep_on_desk_cancel IN (0, 1))
);

CREATE TABLE children (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    name_kana     TEXT NOT NULL DEFAULT '',
    birth_date    TEXT NOT NULL,
    allergies     TEXT NOT NULL DEFAULT '',
    medical_notes TEXT NOT NULL DEFAULT '',
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    INTEGER NOT NULL
);

CREATE TABLE child_guardians (
    child_id  INTEGER NOT NULL REFERENCES children(id),
    person_id INTEGER NOT NULL REFERENCES persons(id),
    PRIMARY KEY (child_id, person_id)
);
CREATE INDEX child_guardians_person ON child_guardians (person_id);

CREATE TABLE authorised_persons (
    id               INTEGER PRIMARY KEY,
    child_id         INTEGER NOT NULL REFERENCES children(id),
    name             TEXT NOT NULL,
    relation         TEXT NOT NULL DEFAULT '',
    phone            TEXT NOT NULL DEFAULT '',
    pickup_code_hash TEXT NOT NULL,
    active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at       INTEGER NOT NULL
);
CREATE INDEX authorised_persons_child ON authorised_persons (child_id);

CREATE TABLE caregiver_shifts (
    id         INTEGER PRIMARY KEY,
    site_id    INTEGER NOT NULL REFERENCES sites(id),
    person_id  INTEGER NOT NULL REFERENCES persons(id),
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    created_by INTEGER NOT NULL REFERENCES persons(id),
    CHECK (ends_at > starts_at)
);
CREATE INDEX caregiver_shifts_site_start ON caregiver_shifts (site_id, starts_at);

-- A child's place for a time range. age_group (0: under 1, 1: ages 1-2, 2: age 3, 3: 4 and
-- older) is fixed when the place is booked, by the site's age basis on the day of care.
CREATE TABLE childcare_bookings (
    id              INTEGER PRIMARY KEY,
    site_id         INTEGER NOT NULL REFERENCES sites(id),
    child_id        INTEGER NOT NULL REFERENCES children(id),
    guardian_id     INTEGER NOT NULL REFERENCES persons(id),
    desk_booking_id INTEGER REFERENCES bookings(id),
    starts_at       INTEGER NOT NULL,
    ends_at         INTEGER NOT NULL,
    age_group       INTEGER NOT NULL CHECK (age_group BETWEEN 0 AND 3),
    status          TEXT NOT NULL CHECK (status IN ('booked', 'waitlisted', 'dropped_off', 'picked_up', 'cancelled')),
    created_at      INTEGER NOT NULL,
    promoted_at     INTEGER,
    dropped_off_at  INTEGER,
    dropoff_caregiver_id INTEGER REFERENCES persons(id),
    picked_up_at    INTEGER,
    pickup_caregiver_id INTEGER REFERENCES persons(id),
    pickup_by       TEXT,
    cancelled_at    INTEGER,
    CHECK (ends_at > starts_at)
);
CREATE INDEX childcare_bookings_site_start ON childcare_bookings (site_id, starts_at);
CREATE INDEX childcare_bookings_child ON childcare_bookings (child_id, starts_at);
CREATE INDEX childcare_bookings_desk ON childcare_bookings (desk_booking_id) WHERE desk_booking_id IS NOT NULL;

CREATE TABLE pickup_attempts (
    id                   INTEGER PRIMARY KEY,
    childcare_booking_id INTEGER NOT NULL REFERENCES childcare_bookings(id),
    caregiver_id         INTEGER NOT NULL REFERENCES persons(id),
    presented            TEXT NOT NULL,
    allowed              INTEGER NOT NULL CHECK (allowed IN (0, 1)),
    at                   INTEGER NOT NULL
);
CREATE INDEX pickup_attempts_booking ON pickup_attempts (childcare_booking_id);
