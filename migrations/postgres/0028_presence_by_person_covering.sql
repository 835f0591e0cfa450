-- A person's sessions of a day (the kiosk's "time present today", on every scan) read from one
-- covering index. With only presence_person (not covering), PostgreSQL took the KPI index
-- (checked_in_at first, covering) instead: in the morning its statistics still say there are no
-- sessions today, while the index holds every site's sessions of the day, all walked on each
-- scan (BENCHMARKS.md, issue 16 on 1,000,000 bookings).
CREATE INDEX presence_person_day ON presence_sessions (person_id, checked_in_at)
    INCLUDE (site_id, checked_out_at);
DROP INDEX presence_person;
