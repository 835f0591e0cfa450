-- A device says itself whether it is a secure room's door reader, so that the entrance scan's
-- first statement refuses one without asking access_doors in a statement of its own (one
-- round trip less on every scan; BENCHMARKS.md, 2026-11-30). 1: paired to a door.
ALTER TABLE kiosk_devices ADD COLUMN door BIGINT NOT NULL DEFAULT 0;
UPDATE kiosk_devices SET door = 1 WHERE id IN (SELECT device_id FROM access_doors);
