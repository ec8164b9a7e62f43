-- rehearse:no-transaction
DROP INDEX CONCURRENTLY IF EXISTS checks_patch_id_context_date_idx;
