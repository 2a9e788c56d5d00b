-- Maps, handouts, tokens and portraits.
--
-- An image file is known by the SHA-256 of its original bytes: the original and its derived
-- sizes live under <data>/images/ by that hash (never by a name a user gave), and one file
-- serves every campaign that added the same bytes. `sizes` lists each derived size with its
-- MIME type, dimensions, byte count and SHA-256; `bytes` is the original's and the derived
-- sizes' together, what counts against a campaign's quota.
--
-- An image is one campaign's use of a file: its title, kind, tags, visibility, and for a map
-- a grid and pins. The same file added twice to a campaign is one image.

CREATE TABLE image_files (
    hash        TEXT PRIMARY KEY NOT NULL,
    mime        TEXT NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    bytes       INTEGER NOT NULL,
    sizes       TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE images (
    id           TEXT PRIMARY KEY NOT NULL,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    hash         TEXT NOT NULL REFERENCES image_files (hash),
    title        TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('map', 'handout', 'token', 'portrait')),
    tags         TEXT NOT NULL DEFAULT '[]',
    visibility   TEXT NOT NULL DEFAULT 'gm' CHECK (visibility IN ('gm', 'players')),
    grid         TEXT,
    pins         TEXT NOT NULL DEFAULT '[]',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (campaign_id, hash)
);
CREATE INDEX images_campaign_idx ON images (campaign_id, created_at);
CREATE INDEX images_hash_idx ON images (hash);
