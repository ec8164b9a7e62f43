-- Patchwork 1.0-era core: the mailing lists it tracks, the people who post to them (keyed by
-- email address), the web accounts of maintainers, and the review states a patch moves through.

CREATE TABLE users (
    id          bigserial PRIMARY KEY,
    username    varchar(150) NOT NULL,
    email       varchar(254) NOT NULL,
    first_name  varchar(150) NOT NULL DEFAULT '',
    last_name   varchar(150) NOT NULL DEFAULT '',
    password    varchar(128) NOT NULL,
    is_active   boolean NOT NULL DEFAULT true,
    is_staff    boolean NOT NULL DEFAULT false,
    date_joined timestamptz NOT NULL,
    last_login  timestamptz,
    CONSTRAINT users_username_key UNIQUE (username)
);

CREATE TABLE projects (
    id                 serial PRIMARY KEY,
    linkname           varchar(255) NOT NULL,
    name               varchar(255) NOT NULL,
    listid             varchar(255) NOT NULL,
    listemail          varchar(200) NOT NULL,
    subject_match      varchar(64) NOT NULL DEFAULT '',
    web_url            varchar(2000) NOT NULL DEFAULT '',
    scm_url            varchar(2000) NOT NULL DEFAULT '',
    webscm_url         varchar(2000) NOT NULL DEFAULT '',
    list_archive_url   varchar(2000) NOT NULL DEFAULT '',
    send_notifications boolean NOT NULL DEFAULT false,
    use_tags           boolean NOT NULL DEFAULT true,
    CONSTRAINT projects_linkname_key UNIQUE (linkname),
    CONSTRAINT projects_name_key UNIQUE (name),
    CONSTRAINT projects_listid_subject_match_key UNIQUE (listid, subject_match),
    CONSTRAINT projects_linkname_format CHECK (linkname ~ '^[a-z0-9][a-z0-9._-]*$')
);

CREATE TABLE people (
    id      bigserial PRIMARY KEY,
    email   varchar(255) NOT NULL,
    name    varchar(255),
    user_id bigint REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT people_email_key UNIQUE (email)
);
CREATE INDEX people_user_id_idx ON people (user_id);

CREATE TABLE states (
    id              serial PRIMARY KEY,
    slug            varchar(100) NOT NULL,
    name            varchar(100) NOT NULL,
    ordering        integer NOT NULL,
    action_required boolean NOT NULL DEFAULT true,
    CONSTRAINT states_slug_key UNIQUE (slug),
    CONSTRAINT states_name_key UNIQUE (name),
    CONSTRAINT states_ordering_key UNIQUE (ordering)
);
