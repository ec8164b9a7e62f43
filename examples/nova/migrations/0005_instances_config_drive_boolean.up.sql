-- config_drive is a string but means yes or no: make it a boolean, as the model says it is.
-- Passes on every developer's database and in CI, whose instances were all created by the
-- current code, or not at all.
--
-- HAZARD: rows written by older Nova hold '' (no config drive) and 'True'. Under strict SQL mode
-- (MariaDB's default, STRICT_TRANS_TABLES) neither converts to an integer: the ALTER stops at the
-- first such row with error 1292 "Truncated incorrect INTEGER value" and the upgrade halts there.
-- (Without strict mode it would "succeed", turning '' and 'True' into 0 silently, with a warning.)
ALTER TABLE instances MODIFY config_drive BOOLEAN DEFAULT NULL;
