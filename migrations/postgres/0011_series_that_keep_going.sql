-- A weekly series may run past the booking window, or without an end: a job books its new
-- dates as the window moves forward (issue 22). `until_date` NULL = until the worker stops
-- it; `booked_through` = the last local date already considered; `space_id`/`attributes` =
-- the desk asked for; `stopped_at` = cancelled (the job books nothing more).
ALTER TABLE booking_series ADD COLUMN until_date TEXT;
ALTER TABLE booking_series ADD COLUMN booked_through TEXT;
ALTER TABLE booking_series ADD COLUMN space_id BIGINT REFERENCES spaces(id);
ALTER TABLE booking_series ADD COLUMN attributes TEXT NOT NULL DEFAULT '[]';
ALTER TABLE booking_series ADD COLUMN keeps_going BIGINT NOT NULL DEFAULT 0 CHECK (keeps_going IN (0, 1));
ALTER TABLE booking_series ADD COLUMN stopped_at BIGINT;

-- What the job did with each date it considered, once per series and date (the primary key
-- is what keeps two instances from considering a date twice), until the weekly digest told
-- the worker (`digested_at`).
CREATE TABLE series_dates (
    series_id   BIGINT NOT NULL REFERENCES booking_series(id),
    date        TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('booked', 'skipped', 'conflict')),
    code        TEXT,
    booking_id  BIGINT REFERENCES bookings(id),
    created_at  BIGINT NOT NULL,
    digested_at BIGINT,
    PRIMARY KEY (series_id, date)
);
CREATE INDEX series_dates_undigested ON series_dates (series_id) WHERE digested_at IS NULL;
CREATE INDEX booking_series_going ON booking_series (site_id) WHERE keeps_going = 1 AND stopped_at IS NULL;
