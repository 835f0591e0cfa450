-- A person's open session is found through a whole index on a generated column instead of the
-- partial presence_open index. Statistics taken when nothing was open (every night) make a
-- partial index on "checked_out_at IS NULL" look empty, and PostgreSQL then prefers walking it
-- to any other index: the live view's "who is inside this site" read every open session of
-- every site (6,000 at the benchmark's rush: 19 ms a snapshot; BENCHMARKS.md, 2026-11-30). A
-- whole index is never mistaken for an empty one; NULLs (closed sessions) never conflict, so
-- it still lets a person have at most one open session.
ALTER TABLE presence_sessions ADD COLUMN open_person BIGINT
    GENERATED ALWAYS AS (CASE WHEN checked_out_at IS NULL THEN person_id END) STORED;
DROP INDEX presence_open;
CREATE UNIQUE INDEX presence_open ON presence_sessions (open_person);
