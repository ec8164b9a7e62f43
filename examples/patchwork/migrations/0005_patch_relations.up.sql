-- Related patches: patches that belong together across series (a fix and its backports, the
-- same change posted to two lists). A new table and a link table: nothing existing is rewritten,
-- and the foreign keys to patches only need a brief lock because the new tables are empty.

CREATE TABLE patch_relations (
    id            bigserial PRIMARY KEY,
    project_id    integer NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    created_by_id bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL
);
CREATE INDEX patch_relations_project_id_idx ON patch_relations (project_id);

CREATE TABLE patch_relation_members (
    relation_id bigint NOT NULL REFERENCES patch_relations (id) ON DELETE CASCADE,
    patch_id    bigint NOT NULL REFERENCES patches (id) ON DELETE CASCADE,
    PRIMARY KEY (relation_id, patch_id),
    -- a patch is in at most one relation
    CONSTRAINT patch_relation_members_patch_id_key UNIQUE (patch_id)
);
