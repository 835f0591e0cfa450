-- Bank accounts (issue 19, the product decision): the worker or an accountant of their site
-- enters or changes one, and each change is kept: who, when, entered or changed (never the
-- account itself). Append-only, like the other trails.

CREATE TABLE pay_bank_account_changes (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES persons(id),
    changed_by INTEGER NOT NULL REFERENCES persons(id),
    changed_at INTEGER NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('entered', 'changed'))
);
CREATE INDEX pay_bank_account_changes_person ON pay_bank_account_changes (person_id, id);

CREATE TRIGGER pay_bank_account_changes_kept BEFORE UPDATE ON pay_bank_account_changes
BEGIN
    SELECT RAISE(ABORT, 'pay_bank_changes_append_only');
END;
CREATE TRIGGER pay_bank_account_changes_not_removed BEFORE DELETE ON pay_bank_account_changes
BEGIN
    SELECT RAISE(ABORT, 'pay_bank_changes_append_only');
END;
CREATE TRIGGER pay_bank_account_changes_no_replace BEFORE INSERT ON pay_bank_account_changes
WHEN EXISTS (SELECT 1 FROM pay_bank_account_changes WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'pay_bank_changes_append_only');
END;

-- The month lists (issue 19's speed): a worker's month at a site is built once and reused
-- while nothing it is built from changed. Every write to a person's sessions, corrections
-- or entries at a site draws a new random version for (person, site) in the same statement,
-- by trigger (whoever writes, the service or anything else), so a read that follows a write
-- never reuses the month built before it. The timesheet itself (status, comment) is read
-- afresh on every list: an approval does not make the month be built again.
CREATE TABLE attendance_versions (
    person_id INTEGER NOT NULL,
    site_id   INTEGER NOT NULL,
    version   INTEGER NOT NULL,
    PRIMARY KEY (site_id, person_id)
);
INSERT INTO attendance_versions (person_id, site_id, version)
SELECT person_id, site_id, random() FROM
    (SELECT person_id, site_id FROM presence_sessions UNION SELECT person_id, site_id FROM timesheets);

CREATE TRIGGER attendance_version_session_in AFTER INSERT ON presence_sessions BEGIN
    INSERT INTO attendance_versions (person_id, site_id, version)
    VALUES (NEW.person_id, NEW.site_id, random())
    ON CONFLICT (site_id, person_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER attendance_version_session_up AFTER UPDATE ON presence_sessions BEGIN
    INSERT INTO attendance_versions (person_id, site_id, version)
    VALUES (NEW.person_id, NEW.site_id, random()), (OLD.person_id, OLD.site_id, random())
    ON CONFLICT (site_id, person_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER attendance_version_session_out AFTER DELETE ON presence_sessions BEGIN
    INSERT INTO attendance_versions (person_id, site_id, version)
    VALUES (OLD.person_id, OLD.site_id, random())
    ON CONFLICT (site_id, person_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER attendance_version_entry_in AFTER INSERT ON time_entries BEGIN
    INSERT INTO attendance_versions (person_id, site_id, version)
    SELECT person_id, site_id, random() FROM timesheets WHERE id = NEW.timesheet_id
    ON CONFLICT (site_id, person_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER attendance_version_entry_up AFTER UPDATE ON time_entries BEGIN
    INSERT INTO attendance_versions (person_id, site_id, version)
    SELECT person_id, site_id, random() FROM timesheets
     WHERE id IN (NEW.timesheet_id, OLD.timesheet_id)
    ON CONFLICT (site_id, person_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER attendance_version_entry_out AFTER DELETE ON time_entries BEGIN
    INSERT INTO attendance_versions (person_id, site_id, version)
    SELECT person_id, site_id, random() FROM timesheets WHERE id = OLD.timesheet_id
    ON CONFLICT (site_id, person_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER attendance_version_correction_in AFTER INSERT ON presence_corrections BEGIN
    INSERT INTO attendance_versions (person_id, site_id, version)
    SELECT person_id, site_id, random() FROM presence_sessions WHERE id = NEW.session_id
    ON CONFLICT (site_id, person_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER attendance_version_correction_up AFTER UPDATE ON presence_corrections BEGIN
    INSERT INTO attendance_versions (person_id, site_id, version)
    SELECT person_id, site_id, random() FROM presence_sessions
     WHERE id IN (NEW.session_id, OLD.session_id)
    ON CONFLICT (site_id, person_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER attendance_version_correction_out AFTER DELETE ON presence_corrections BEGIN
    INSERT INTO attendance_versions (person_id, site_id, version)
    SELECT person_id, site_id, random() FROM presence_sessions WHERE id = OLD.session_id
    ON CONFLICT (site_id, person_id) DO UPDATE SET version = excluded.version;
END;
