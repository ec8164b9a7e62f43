-- Series (a thread of "[PATCH vN m/n]" mails) and the patches themselves: the mail's headers,
-- the commit message (content) and the diff, or a pull request URL instead of a diff.

CREATE TABLE series (
    id           bigserial PRIMARY KEY,
    project_id   integer NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    submitter_id bigint NOT NULL REFERENCES people (id),
    name         varchar(255),
    date         timestamptz NOT NULL,
    version      integer NOT NULL DEFAULT 1,
    total        integer NOT NULL DEFAULT 1,
    CONSTRAINT series_version_positive CHECK (version >= 1),
    CONSTRAINT series_total_positive CHECK (total >= 1)
);
CREATE INDEX series_project_id_idx ON series (project_id);
CREATE INDEX series_submitter_id_idx ON series (submitter_id);

CREATE TABLE patches (
    id           bigserial PRIMARY KEY,
    msgid        varchar(255) NOT NULL,
    project_id   integer NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    submitter_id bigint NOT NULL REFERENCES people (id),
    delegate_id  bigint REFERENCES users (id) ON DELETE SET NULL,
    state_id     integer NOT NULL REFERENCES states (id),
    series_id    bigint REFERENCES series (id) ON DELETE SET NULL,
    number       integer,
    name         varchar(255) NOT NULL,
    date         timestamptz NOT NULL,
    headers      text NOT NULL,
    content      text,
    diff         text,
    pull_url     varchar(255),
    commit_ref   varchar(255),
    archived     boolean NOT NULL DEFAULT false,
    -- a message is a patch once per project; leading with project_id, the key also serves the
    -- project foreign key (deleting a project, listing its patches)
    CONSTRAINT patches_project_id_msgid_key UNIQUE (project_id, msgid),
    -- also the index for the series foreign key
    CONSTRAINT patches_series_id_number_key UNIQUE (series_id, number),
    CONSTRAINT patches_number_positive CHECK (number IS NULL OR number >= 1),
    CONSTRAINT patches_diff_or_pull_url CHECK (diff IS NOT NULL OR pull_url IS NOT NULL)
);
