-- As on PostgreSQL (its 0033): whatever pairs a door marks its device as a door reader.
CREATE TRIGGER access_doors_mark_device_in AFTER INSERT ON access_doors BEGIN
    UPDATE kiosk_devices SET door = 1 WHERE id = NEW.device_id AND door <> 1;
END;
CREATE TRIGGER access_doors_mark_device_up AFTER UPDATE ON access_doors BEGIN
    UPDATE kiosk_devices SET door = 1 WHERE id = NEW.device_id AND door <> 1;
END;
UPDATE kiosk_devices SET door = 1 WHERE door <> 1 AND id IN (SELECT device_id FROM access_doors);
