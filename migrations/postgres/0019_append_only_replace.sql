-- SQLite's INSERT OR REPLACE needs its own guard on the append-only trails (see the SQLite
-- migration of this number); on PostgreSQL a replacing insert is an INSERT ... ON CONFLICT DO
-- UPDATE, which the update triggers of 0015 and 0017 already refuse. Nothing to add: this
-- migration keeps the two backends' numbers in step.
SELECT 1;
