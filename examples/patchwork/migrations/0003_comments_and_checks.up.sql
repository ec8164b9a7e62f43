-- Replies to patches, and the results CI systems post back through the API.

CREATE TABLE comments (
    id           bigserial PRIMARY KEY,
    patch_id     bigint NOT NULL REFERENCES patches (id) ON DELETE CASCADE,
    submitter_id bigint NOT NULL REFERENCES people (id),
    msgid        varchar(255) NOT NULL,
    date         timestamptz NOT NULL,
    headers      text NOT NULL,
    content      text,
    CONSTRAINT comments_msgid_patch_id_key UNIQUE (msgid, patch_id)
);
CREATE INDEX comments_patch_id_idx ON comments (patch_id);
-- A person's replies, newest first; also the index for the submitter foreign key.
CREATE INDEX comments_submitter_id_date_idx ON comments (submitter_id, date);

CREATE TABLE checks (
    id          bigserial PRIMARY KEY,
    patch_id    bigint NOT NULL REFERENCES patches (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id),
    date        timestamptz NOT NULL,
    state       varchar(16) NOT NULL DEFAULT 'pending',
    target_url  varchar(200),
    description text,
    context     varchar(255) NOT NULL DEFAULT 'default',
    CONSTRAINT checks_state_valid CHECK (state IN ('pending', 'success', 'warning', 'fail')),
    CONSTRAINT checks_context_format CHECK (context ~ '^[-a-zA-Z0-9_./]+$')
);
CREATE INDEX checks_patch_id_idx ON checks (patch_id);
-- A CI system's results, newest first; also the index for the user foreign key.
CREATE INDEX checks_user_id_date_idx ON checks (user_id, date);
