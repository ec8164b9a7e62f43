-- Duplicate detection: a hash of each patch's diff, so that the same change posted twice (or to
-- two lists) can be found. Written the way it usually is: add the column and backfill it in the
-- same migration.
--
-- HAZARD: ADD COLUMN takes an ACCESS EXCLUSIVE lock on patches, and the UPDATE runs inside the
-- same transaction, so every read and write of patches waits until the backfill of every row has
-- committed. The UPDATE also writes a new version of every patch row (with an entry in every
-- index of the table), which replicas have to replay as one burst.

ALTER TABLE patches ADD COLUMN hash char(32);

UPDATE patches SET hash = md5(diff) WHERE diff IS NOT NULL;
