-- Records of a game system's collections (monsters, spells, rules…), imported from data
-- files or recognized in rulebooks; searched by plugins and tools. One row per record.

CREATE TABLE collection_records (
    id            TEXT PRIMARY KEY NOT NULL,
    system        TEXT NOT NULL,
    collection    TEXT NOT NULL,
    name          TEXT NOT NULL,
    source        TEXT NOT NULL,
    book          TEXT,
    page_start    BIGINT,
    page_end      BIGINT,
    section       TEXT,
    text          TEXT NOT NULL,
    data          JSONB NOT NULL,
    content_hash  TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (system, collection, source, name)
);
CREATE INDEX collection_records_system_idx ON collection_records (system, collection, name);
