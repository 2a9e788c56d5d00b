-- Core schema: campaigns, sessions, session notes, characters, initiative, dice rolls.
-- Ids are text (UUID v7, time-ordered); timestamps are RFC 3339 text in UTC;
-- JSON columns hold serde_json documents as text.

CREATE TABLE campaigns (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    system      TEXT NOT NULL,
    gm_user_id  TEXT,
    settings    TEXT NOT NULL DEFAULT '{}',
    status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX campaigns_status_idx ON campaigns (status, created_at);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY NOT NULL,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    number       INTEGER NOT NULL,
    title        TEXT,
    status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
    summary      TEXT,
    started_at   TEXT NOT NULL,
    ended_at     TEXT,
    UNIQUE (campaign_id, number)
);
CREATE INDEX sessions_campaign_idx ON sessions (campaign_id, number);
-- At most one running session per campaign.
CREATE UNIQUE INDEX sessions_one_active_idx ON sessions (campaign_id) WHERE status = 'active';

CREATE TABLE session_notes (
    id           TEXT PRIMARY KEY NOT NULL,
    session_id   TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    body         TEXT NOT NULL,
    tags         TEXT NOT NULL DEFAULT '[]',
    created_at   TEXT NOT NULL
);
CREATE INDEX session_notes_session_idx ON session_notes (session_id, created_at);
CREATE INDEX session_notes_campaign_idx ON session_notes (campaign_id, created_at);

CREATE TABLE characters (
    id           TEXT PRIMARY KEY NOT NULL,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL DEFAULT 'pc' CHECK (kind IN ('pc', 'npc', 'monster')),
    player_name  TEXT,
    level        INTEGER,
    class        TEXT,
    ancestry     TEXT,
    max_hp       INTEGER,
    current_hp   INTEGER,
    armor_class  INTEGER,
    init_modifier INTEGER NOT NULL DEFAULT 0,
    stats        TEXT NOT NULL DEFAULT '{}',
    notes        TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX characters_campaign_idx ON characters (campaign_id, name);

CREATE TABLE initiative_tracker (
    id           TEXT PRIMARY KEY NOT NULL,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    session_id   TEXT REFERENCES sessions (id) ON DELETE SET NULL,
    name         TEXT,
    status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
    round        INTEGER NOT NULL DEFAULT 0,
    state        TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    ended_at     TEXT
);
CREATE INDEX initiative_tracker_campaign_idx ON initiative_tracker (campaign_id, created_at);
-- At most one running combat per campaign.
CREATE UNIQUE INDEX initiative_tracker_one_active_idx ON initiative_tracker (campaign_id) WHERE status = 'active';

CREATE TABLE dice_rolls (
    id           TEXT PRIMARY KEY NOT NULL,
    campaign_id  TEXT REFERENCES campaigns (id) ON DELETE CASCADE,
    session_id   TEXT REFERENCES sessions (id) ON DELETE SET NULL,
    expression   TEXT NOT NULL,
    total        INTEGER NOT NULL,
    rendered     TEXT NOT NULL,
    breakdown    TEXT NOT NULL,
    purpose      TEXT,
    seed         TEXT NOT NULL,
    crit         TEXT NOT NULL DEFAULT 'none',
    created_at   TEXT NOT NULL
);
CREATE INDEX dice_rolls_campaign_idx ON dice_rolls (campaign_id, created_at);
CREATE INDEX dice_rolls_session_idx ON dice_rolls (session_id, created_at);
