-- Maintainers can mark a reply as addressed. Since PostgreSQL 11, ADD COLUMN with a constant
-- DEFAULT only records the default in the catalog: existing rows are not rewritten, and the
-- ACCESS EXCLUSIVE lock is held for milliseconds.

ALTER TABLE comments ADD COLUMN addressed boolean NOT NULL DEFAULT false;

COMMENT ON COLUMN comments.addressed IS 'Set by a maintainer once the reply has been acted upon.';
