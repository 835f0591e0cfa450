-- 0023's index went unused: a room's trail export walks the primary key from the range's
-- first record (both databases sort the room's whole range for every page otherwise), so the
-- index only cost a write per audit record.
DROP INDEX access_audit_project_at;
