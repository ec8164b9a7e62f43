-- Copies the table again. Fails (strict mode) once a row holds more than 64 KB of connection info.
ALTER TABLE block_device_mapping MODIFY connection_info TEXT;
