ALTER TABLE block_device_mapping DROP COLUMN volume_type;
