-- Attendance (issue 18): which client projects a worker may put hours on and at which rate,
-- the monthly timesheet of a worker at a site, its time entries (remote hours, and center
-- time allocated to projects), and the audit trail of every change after a month was first
-- submitted. An approved month is locked by the database itself: no entry of it can be
-- added, changed or removed, whoever writes (the service or plain SQL).

CREATE TABLE assignments (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES persons(id),
    project_id INTEGER NOT NULL REFERENCES client_projects(id),
    starts_on  TEXT NOT NULL,
    ends_on    TEXT,
    created_by INTEGER NOT NULL REFERENCES persons(id),
    created_at INTEGER NOT NULL,
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX assignments_person ON assignments (person_id, starts_on);

-- A rate applies from its day on, until the next one: never backwards.
CREATE TABLE assignment_rates (
    assignment_id INTEGER NOT NULL REFERENCES assignments(id),
    starts_on     TEXT NOT NULL,
    yen_per_hour  INTEGER NOT NULL CHECK (yen_per_hour > 0),
    created_by    INTEGER NOT NULL REFERENCES persons(id),
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (assignment_id, starts_on)
);

CREATE TABLE timesheets (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES persons(id),
    site_id      INTEGER NOT NULL REFERENCES sites(id),
    month        TEXT NOT NULL CHECK (length(month) = 7),
    status       TEXT NOT NULL DEFAULT 'open'
                 CHECK (status IN ('open', 'submitted', 'returned', 'approved', 'reopened')),
    submitted_at INTEGER,
    decided_by   INTEGER REFERENCES persons(id),
    decided_at   INTEGER,
    comment      TEXT,
    UNIQUE (person_id, site_id, month)
);

CREATE TABLE time_entries (
    id           INTEGER PRIMARY KEY,
    timesheet_id INTEGER NOT NULL REFERENCES timesheets(id),
    kind         TEXT NOT NULL CHECK (kind IN ('remote', 'center')),
    project_id   INTEGER REFERENCES client_projects(id),
    starts_at    INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    created_by   INTEGER NOT NULL REFERENCES persons(id),
    created_at   INTEGER NOT NULL,
    CHECK (ends_at > starts_at),
    CHECK (kind = 'center' OR project_id IS NOT NULL)
);
CREATE INDEX time_entries_sheet ON time_entries (timesheet_id, starts_at);

CREATE TABLE timesheet_changes (
    id           INTEGER PRIMARY KEY,
    timesheet_id INTEGER NOT NULL REFERENCES timesheets(id),
    entry_id     INTEGER,
    changed_by   INTEGER NOT NULL REFERENCES persons(id),
    changed_at   INTEGER NOT NULL,
    what         TEXT NOT NULL,
    before_value TEXT,
    after_value  TEXT,
    reason       TEXT
);
CREATE INDEX timesheet_changes_sheet ON timesheet_changes (timesheet_id, id);

CREATE TRIGGER time_entries_locked_insert BEFORE INSERT ON time_entries
WHEN (SELECT status FROM timesheets WHERE id = NEW.timesheet_id) = 'approved'
BEGIN
    SELECT RAISE(ABORT, 'attendance_month_locked');
END;
CREATE TRIGGER time_entries_locked_update BEFORE UPDATE ON time_entries
WHEN (SELECT status FROM timesheets WHERE id = OLD.timesheet_id) = 'approved'
  OR (SELECT status FROM timesheets WHERE id = NEW.timesheet_id) = 'approved'
BEGIN
    SELECT RAISE(ABORT, 'attendance_month_locked');
END;
CREATE TRIGGER time_entries_locked_delete BEFORE DELETE ON time_entries
WHEN (SELECT status FROM timesheets WHERE id = OLD.timesheet_id) = 'approved'
BEGIN
    SELECT RAISE(ABORT, 'attendance_month_locked');
END;
