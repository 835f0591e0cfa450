-- One person is on duty once at a time: the shifts of one caregiver at a site never overlap
-- (back-to-back is fine: ranges are half-open). Before this, one caregiver entered twice for
-- overlapping hours counted as two people in the childcare ratio.
--
-- Shifts that already overlap are merged first: each run of overlapping shifts of one person
-- at one site becomes one shift over their union (the row with the lowest id stays, the
-- others are deleted). Nothing references a shift, and each person's time on duty stays
-- exactly what it was: only the double counting goes.

CREATE TABLE caregiver_shift_merge AS
WITH ordered AS (
    SELECT id, site_id, person_id, starts_at, ends_at,
           MAX(ends_at) OVER (PARTITION BY site_id, person_id ORDER BY starts_at, id
                              ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
    FROM caregiver_shifts
), runs AS (
    SELECT id, site_id, person_id, starts_at, ends_at,
           SUM(CASE WHEN reach IS NULL OR starts_at >= reach THEN 1 ELSE 0 END)
               OVER (PARTITION BY site_id, person_id ORDER BY starts_at, id
                     ROWS UNBOUNDED PRECEDING) AS run
    FROM ordered
)
SELECT id,
       MIN(id) OVER (PARTITION BY site_id, person_id, run) AS keep_id,
       MIN(starts_at) OVER (PARTITION BY site_id, person_id, run) AS run_start,
       MAX(ends_at) OVER (PARTITION BY site_id, person_id, run) AS run_end
FROM runs;

UPDATE caregiver_shifts SET
    starts_at = (SELECT run_start FROM caregiver_shift_merge m WHERE m.id = caregiver_shifts.id),
    ends_at = (SELECT run_end FROM caregiver_shift_merge m WHERE m.id = caregiver_shifts.id)
WHERE id IN (SELECT id FROM caregiver_shift_merge WHERE keep_id = id);

DELETE FROM caregiver_shifts
WHERE id IN (SELECT id FROM caregiver_shift_merge WHERE keep_id <> id);

DROP TABLE caregiver_shift_merge;

-- Shifts lie within one local day, so the search looks back two days at most (the
-- (site_id, starts_at) index bounds it however long the history).
CREATE TRIGGER caregiver_shifts_no_overlap_insert BEFORE INSERT ON caregiver_shifts
BEGIN
    SELECT RAISE(ABORT, 'caregiver_shifts_no_overlap') WHERE EXISTS (
        SELECT 1 FROM caregiver_shifts s
        WHERE s.site_id = NEW.site_id AND s.person_id = NEW.person_id
          AND s.starts_at < NEW.ends_at AND NEW.starts_at < s.ends_at
          AND s.starts_at > NEW.starts_at - 2 * 86400);
END;

CREATE TRIGGER caregiver_shifts_no_overlap_update
BEFORE UPDATE OF site_id, person_id, starts_at, ends_at ON caregiver_shifts
BEGIN
    SELECT RAISE(ABORT, 'caregiver_shifts_no_overlap') WHERE EXISTS (
        SELECT 1 FROM caregiver_shifts s
        WHERE s.id <> NEW.id AND s.site_id = NEW.site_id AND s.person_id = NEW.person_id
          AND s.starts_at < NEW.ends_at AND NEW.starts_at < s.ends_at
          AND s.starts_at > NEW.starts_at - 2 * 86400);
END;
