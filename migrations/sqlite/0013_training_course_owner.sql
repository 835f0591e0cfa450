-- A course belongs to the site whose trainers and directors manage it; NULL: a course shared
-- by every site, which only an administrator changes. Before this, a trainer anywhere could
-- rewrite or deactivate any site's required course.
ALTER TABLE training_courses ADD COLUMN site_id INTEGER REFERENCES sites(id);
