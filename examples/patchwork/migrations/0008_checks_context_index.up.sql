-- rehearse:no-transaction
-- The checks API returns the latest result per context for a patch. Built CONCURRENTLY, in a
-- migration of its own (it cannot run inside a transaction): writers to checks are not blocked
-- while the index is built.
CREATE INDEX CONCURRENTLY IF NOT EXISTS checks_patch_id_context_date_idx ON checks (patch_id, context, date);
