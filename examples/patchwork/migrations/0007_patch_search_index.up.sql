-- Search: the web UI's search box and the API's ?q= filter match patches by words of their
-- subject. Until now that was a case-insensitive LIKE, a scan of every patch; a full-text index
-- over the subject makes it a lookup.
--
-- HAZARD: a plain CREATE INDEX holds a SHARE lock on patches for the whole build, and parsing
-- every subject into words is slow: reads go on, but every new mail, state change and check
-- result that writes to patches waits until the index is built and the migration has committed.

CREATE INDEX patches_name_search_idx ON patches USING gin (to_tsvector('english', name));
