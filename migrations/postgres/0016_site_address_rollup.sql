-- A site's postal address, in Japanese and in English: e-mails and calendar events say where
-- (issue 22 item 3). Empty for a site that has not given one.
ALTER TABLE sites ADD COLUMN address_ja TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN address_en TEXT NOT NULL DEFAULT '';

-- When a day was last rolled up: a finished day is rolled up again while late changes can
-- still reach it (issue 16).
ALTER TABLE utilisation_days ADD COLUMN rolled_at BIGINT NOT NULL DEFAULT 0;
