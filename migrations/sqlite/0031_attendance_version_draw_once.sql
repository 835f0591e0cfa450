-- As on PostgreSQL (its 0031): a presence session's update draws one new attendance version
-- when it stays with its person and site (a check-out), not two.
DROP TRIGGER attendance_version_session_up;
CREATE TRIGGER attendance_version_session_up AFTER UPDATE ON presence_sessions BEGIN
    INSERT INTO attendance_versions (person_id, site_id, version)
    SELECT NEW.person_id, NEW.site_id, random()
    UNION ALL
    SELECT OLD.person_id, OLD.site_id, random()
     WHERE OLD.person_id <> NEW.person_id OR OLD.site_id <> NEW.site_id
    ON CONFLICT (site_id, person_id) DO UPDATE SET version = excluded.version;
END;
