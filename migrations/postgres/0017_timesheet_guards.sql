-- Timesheets (issue 18): an approved timesheet keeps its person, site, month and bounds (the
-- presence lock reads them) and leaves "approved" only by a reopening; a month's history is
-- append-only.

CREATE FUNCTION timesheets_locked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'approved' AND (TG_OP = 'DELETE'
        OR NEW.status NOT IN ('approved', 'reopened') OR NEW.person_id <> OLD.person_id
        OR NEW.site_id <> OLD.site_id OR NEW.month <> OLD.month
        OR NEW.starts_at <> OLD.starts_at OR NEW.ends_at <> OLD.ends_at) THEN
        RAISE EXCEPTION 'the month is approved and locked'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'attendance_month_locked';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER timesheets_locked BEFORE UPDATE OR DELETE ON timesheets
FOR EACH ROW EXECUTE FUNCTION timesheets_locked();

CREATE FUNCTION timesheet_changes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a month''s history is append-only'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'timesheet_history_append_only';
END;
$$;
CREATE TRIGGER timesheet_changes_append_only BEFORE UPDATE OR DELETE ON timesheet_changes
FOR EACH ROW EXECUTE FUNCTION timesheet_changes_append_only();
