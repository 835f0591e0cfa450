-- presence_open_site covers every session, not only the open ones (see PostgreSQL's 0029: as a
-- partial index it competed with presence_open for a person's open session).
DROP INDEX presence_open_site;
CREATE INDEX presence_open_site ON presence_sessions (site_id, checked_out_at, checked_in_at);
