-- presence_open_site covers every session, not only the open ones. As a partial index with the
-- same predicate as presence_open (checked_out_at IS NULL), it competed with it for the kiosk's
-- "my open session" lookup: with statistics taken when nothing was open (every night) both look
-- empty, and PostgreSQL walked every open session of every site on each scan (6,000 buffers,
-- 3.3 ms; now 0.5 ms; BENCHMARKS.md, 2026-11-30). The site's "who is inside" still reads one
-- range: (site_id = ?, checked_out_at IS NULL).
DROP INDEX presence_open_site;
CREATE INDEX presence_open_site ON presence_sessions (site_id, checked_out_at, checked_in_at);
