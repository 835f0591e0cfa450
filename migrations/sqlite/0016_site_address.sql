-- A site's postal address, in Japanese and in English: e-mails and calendar events say where
-- (issue 22 item 3). Empty for a site that has not given one.
ALTER TABLE sites ADD COLUMN address_ja TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN address_en TEXT NOT NULL DEFAULT '';
