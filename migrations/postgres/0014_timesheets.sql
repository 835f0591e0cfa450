-- Timesheets (issue 18), second step: presence sessions now belong to attendance. A
-- timesheet keeps the instants its month spans at its site (counted in the site's zone when
-- it is created), so the database itself can refuse a change to the presence of an approved
-- month; a forgotten check-out closed by the system may be corrected by the worker's
-- proposal, which a director confirms.

ALTER TABLE timesheets ADD COLUMN starts_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE timesheets ADD COLUMN ends_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX timesheets_site_month ON timesheets (site_id, month, status);

CREATE TABLE presence_corrections (
    id           BIGSERIAL PRIMARY KEY,
    session_id   BIGINT NOT NULL REFERENCES presence_sessions(id),
    timesheet_id BIGINT NOT NULL REFERENCES timesheets(id),
    proposed_end BIGINT NOT NULL,
    reason       TEXT NOT NULL,
    proposed_by  BIGINT NOT NULL REFERENCES persons(id),
    proposed_at  BIGINT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'confirmed', 'refused')),
    decided_by   BIGINT REFERENCES persons(id),
    decided_at   BIGINT
);
-- One pending proposal per session.
CREATE UNIQUE INDEX presence_corrections_pending ON presence_corrections (session_id) WHERE status = 'proposed';


CREATE FUNCTION presence_corrections_locked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT status FROM timesheets WHERE id = NEW.timesheet_id) = 'approved' THEN
        RAISE EXCEPTION 'the month is approved and locked'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'attendance_month_locked';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER presence_corrections_locked BEFORE INSERT ON presence_corrections
FOR EACH ROW EXECUTE FUNCTION presence_corrections_locked();

-- A presence session that touches an approved month cannot be added, moved or removed.
CREATE FUNCTION presence_locked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP <> 'INSERT' AND EXISTS (
            SELECT 1 FROM timesheets t
             WHERE t.person_id = OLD.person_id AND t.site_id = OLD.site_id AND t.status = 'approved'
               AND t.starts_at < COALESCE(OLD.checked_out_at, OLD.checked_in_at + 1)
               AND OLD.checked_in_at < t.ends_at))
       OR (TG_OP <> 'DELETE' AND EXISTS (
            SELECT 1 FROM timesheets t
             WHERE t.person_id = NEW.person_id AND t.site_id = NEW.site_id AND t.status = 'approved'
               AND t.starts_at < COALESCE(NEW.checked_out_at, NEW.checked_in_at + 1)
               AND NEW.checked_in_at < t.ends_at)) THEN
        RAISE EXCEPTION 'the month is approved and locked'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'attendance_month_locked';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER presence_locked BEFORE INSERT OR UPDATE OR DELETE ON presence_sessions
FOR EACH ROW EXECUTE FUNCTION presence_locked();
