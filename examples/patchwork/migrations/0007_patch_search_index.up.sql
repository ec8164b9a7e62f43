-- Search: the web UI's search box and the API's ?q= filter match patches by words of their
-- subject. Until now that was a case-insensitive LIKE, a scan of every patch; a full-text index
-- over the subject makes it a lookup. ANALYZE gathers statistics on the indexed expression, which
-- the planner needs before it will use the index.
--
-- HAZARD: a plain CREATE INDEX holds a SHARE lock on patches until the migration commits: reads
-- go on, but every new mail, state change and check result that writes to patches waits while
-- every subject is parsed into words, the index is built and the table is analyzed.

CREATE INDEX patches_name_search_idx ON patches USING gin (to_tsvector('english', name));

ANALYZE patches;
