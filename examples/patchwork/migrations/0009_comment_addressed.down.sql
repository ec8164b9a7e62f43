ALTER TABLE comments DROP COLUMN addressed;
