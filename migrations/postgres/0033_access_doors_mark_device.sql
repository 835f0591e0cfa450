-- Whatever pairs a door (an instance still on the code before 0032 during a rolling deploy,
-- or a hand-made row) marks its device as a door reader: access_doors stays the one record
-- of pairings, kiosk_devices.door its copy for the scan's first statement.
CREATE FUNCTION access_doors_mark_device() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE kiosk_devices SET door = 1 WHERE id = NEW.device_id AND door <> 1;
    RETURN NEW;
END $$;
CREATE TRIGGER access_doors_mark_device AFTER INSERT OR UPDATE ON access_doors
    FOR EACH ROW EXECUTE FUNCTION access_doors_mark_device();
UPDATE kiosk_devices SET door = 1 WHERE door <> 1 AND id IN (SELECT device_id FROM access_doors);
