-- Timesheets (issue 18): an approved timesheet keeps its person, site, month and bounds (the
-- presence lock reads them) and leaves "approved" only by a reopening; a month's history is
-- append-only.

CREATE TRIGGER timesheets_locked_update BEFORE UPDATE ON timesheets
WHEN OLD.status = 'approved'
 AND (NEW.status NOT IN ('approved', 'reopened') OR NEW.person_id <> OLD.person_id
      OR NEW.site_id <> OLD.site_id OR NEW.month <> OLD.month
      OR NEW.starts_at <> OLD.starts_at OR NEW.ends_at <> OLD.ends_at)
BEGIN
    SELECT RAISE(ABORT, 'attendance_month_locked');
END;
CREATE TRIGGER timesheets_locked_delete BEFORE DELETE ON timesheets
WHEN OLD.status = 'approved'
BEGIN
    SELECT RAISE(ABORT, 'attendance_month_locked');
END;

CREATE TRIGGER timesheet_changes_no_update BEFORE UPDATE ON timesheet_changes
BEGIN
    SELECT RAISE(ABORT, 'timesheet_history_append_only');
END;
CREATE TRIGGER timesheet_changes_no_delete BEFORE DELETE ON timesheet_changes
BEGIN
    SELECT RAISE(ABORT, 'timesheet_history_append_only');
END;
