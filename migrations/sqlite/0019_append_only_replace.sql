-- SQLite's INSERT OR REPLACE deletes the row it replaces without firing the delete
-- triggers: the append-only trails (the access audit, a month's history) refuse an insert
-- whose id is taken, whatever its conflict clause.

CREATE TRIGGER access_audit_no_replace BEFORE INSERT ON access_audit
WHEN EXISTS (SELECT 1 FROM access_audit WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'access_audit_append_only');
END;
CREATE TRIGGER timesheet_changes_no_replace BEFORE INSERT ON timesheet_changes
WHEN EXISTS (SELECT 1 FROM timesheet_changes WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'timesheet_history_append_only');
END;
