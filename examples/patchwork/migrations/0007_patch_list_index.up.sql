-- The patch list (/project/<linkname>/list/) filters a project's patches by archived flag, state
-- and delegate and sorts them by date; a covering index lets it skip the table.
--
-- HAZARD: a plain CREATE INDEX holds a SHARE lock on patches for the whole build: reads go on,
-- but every new mail, state change and check result that writes to patches waits until the
-- index is built and the migration has committed.

CREATE INDEX patches_list_idx ON patches (project_id, archived, state_id, delegate_id, date, submitter_id, name);
