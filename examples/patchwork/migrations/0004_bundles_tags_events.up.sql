-- Patchwork 2.0: bundles (users' named lists of patches), tag counters parsed from replies
-- (Acked-by, Reviewed-by, Tested-by) and the event log behind the /events API.

CREATE TABLE bundles (
    id         bigserial PRIMARY KEY,
    owner_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id integer NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name       varchar(50) NOT NULL,
    public     boolean NOT NULL DEFAULT false,
    CONSTRAINT bundles_owner_id_name_key UNIQUE (owner_id, name),
    CONSTRAINT bundles_name_not_blank CHECK (name <> '')
);
CREATE INDEX bundles_project_id_idx ON bundles (project_id);

CREATE TABLE bundle_patches (
    bundle_id bigint NOT NULL REFERENCES bundles (id) ON DELETE CASCADE,
    patch_id  bigint NOT NULL REFERENCES patches (id) ON DELETE CASCADE,
    "order"   integer NOT NULL,
    PRIMARY KEY (bundle_id, patch_id),
    CONSTRAINT bundle_patches_bundle_id_order_key UNIQUE (bundle_id, "order")
);
CREATE INDEX bundle_patches_patch_id_idx ON bundle_patches (patch_id);

CREATE TABLE tags (
    id          serial PRIMARY KEY,
    name        varchar(20) NOT NULL,
    pattern     varchar(50) NOT NULL,
    abbrev      varchar(2) NOT NULL,
    show_column boolean NOT NULL DEFAULT true,
    CONSTRAINT tags_name_key UNIQUE (name),
    CONSTRAINT tags_abbrev_key UNIQUE (abbrev)
);

CREATE TABLE patch_tags (
    patch_id bigint NOT NULL REFERENCES patches (id) ON DELETE CASCADE,
    tag_id   integer NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    count    integer NOT NULL DEFAULT 1,
    PRIMARY KEY (patch_id, tag_id),
    CONSTRAINT patch_tags_count_positive CHECK (count >= 1)
);
CREATE INDEX patch_tags_tag_id_idx ON patch_tags (tag_id);

CREATE TABLE events (
    id                bigserial PRIMARY KEY,
    category          varchar(25) NOT NULL,
    project_id        integer NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    date              timestamptz NOT NULL,
    actor_id          bigint REFERENCES users (id) ON DELETE SET NULL,
    patch_id          bigint REFERENCES patches (id) ON DELETE CASCADE,
    series_id         bigint REFERENCES series (id) ON DELETE CASCADE,
    previous_state_id integer REFERENCES states (id),
    current_state_id  integer REFERENCES states (id),
    CONSTRAINT events_category_valid CHECK (category IN (
        'cover-created', 'patch-created', 'patch-completed', 'patch-state-changed',
        'patch-delegated', 'check-created', 'series-created', 'series-completed'))
);
CREATE INDEX events_project_id_date_idx ON events (project_id, date);
CREATE INDEX events_patch_id_idx ON events (patch_id);
CREATE INDEX events_series_id_idx ON events (series_id);
