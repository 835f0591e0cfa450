-- A person's open session is found through an index on a generated column instead of the
-- partial presence_open index, as on PostgreSQL (see its 0030: there a partial index with
-- stale statistics looks empty and is walked instead of the right one). NULLs (closed sessions)
-- never conflict, so a person still has at most one open session.
ALTER TABLE presence_sessions ADD COLUMN open_person INTEGER
    GENERATED ALWAYS AS (CASE WHEN checked_out_at IS NULL THEN person_id END) VIRTUAL;
DROP INDEX presence_open;
CREATE UNIQUE INDEX presence_open ON presence_sessions (open_person);
