-- A person's sessions of a day (the kiosk's "time present today", on every scan) read from one
-- covering index, as on PostgreSQL (see its 0028).
CREATE INDEX presence_person_day ON presence_sessions (person_id, checked_in_at, site_id, checked_out_at);
DROP INDEX presence_person;
