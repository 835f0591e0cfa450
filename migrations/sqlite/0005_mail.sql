-- Outgoing e-mail: written in the same transaction as the change that causes it, sent by a
-- background job with retries; reminders the evening before.

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    message_id      TEXT NOT NULL UNIQUE,
    site_id         INTEGER REFERENCES sites(id),
    kind            TEXT NOT NULL,
    to_email        TEXT NOT NULL,
    to_name         TEXT NOT NULL DEFAULT '',
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    attachments     TEXT NOT NULL DEFAULT '[]',
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_until   INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_site ON outbox (site_id, created_at);

ALTER TABLE bookings ADD COLUMN reminded_at INTEGER;
-- The local hour at which reminders for the next day go out; -1: no reminders.
ALTER TABLE sites ADD COLUMN reminder_hour INTEGER NOT NULL DEFAULT 18;
