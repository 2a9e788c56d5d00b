-- Who may do what: users, the bearer tokens that name them over HTTP, and who plays in
-- which campaign. Only a SHA-256 of each token is stored; the token itself is shown once,
-- when it is made. A campaign's GM is its gm_user_id (or a member with role 'gm'); its
-- players are members with role 'player'. Content carries a visibility: 'gm' content never
-- reaches a player.

CREATE TABLE users (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role          TEXT NOT NULL CHECK (role IN ('user', 'admin')),
    token_hash    TEXT NOT NULL UNIQUE,
    label         TEXT,
    created_at    TEXT NOT NULL,
    last_used_at  TEXT,
    revoked_at    TEXT
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id, created_at);

CREATE TABLE campaign_members (
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         TEXT NOT NULL CHECK (role IN ('gm', 'player')),
    created_at   TEXT NOT NULL,
    PRIMARY KEY (campaign_id, user_id)
);
CREATE INDEX campaign_members_user_idx ON campaign_members (user_id, campaign_id);

-- A player character's player (a user id). No foreign key: SQLite cannot drop a column that
-- has one, and the host checks the user exists when the field is set.
ALTER TABLE characters ADD COLUMN player_id TEXT;

ALTER TABLE campaign_notes ADD COLUMN visibility TEXT NOT NULL DEFAULT 'gm' CHECK (visibility IN ('gm', 'players'));
ALTER TABLE session_notes ADD COLUMN visibility TEXT NOT NULL DEFAULT 'gm' CHECK (visibility IN ('gm', 'players'));
-- Books ingested before visibilities existed are rulebooks everyone at the table reads.
ALTER TABLE documents ADD COLUMN visibility TEXT NOT NULL DEFAULT 'players' CHECK (visibility IN ('gm', 'players'));
ALTER TABLE chunks ADD COLUMN visibility TEXT NOT NULL DEFAULT 'players' CHECK (visibility IN ('gm', 'players'));
