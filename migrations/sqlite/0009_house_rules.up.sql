-- House rules: a campaign's rulings, each recorded against the passage of a book it changes
-- (the chunk a search found, and its section), so that every rules search hit in that
-- campaign about the passage carries the table's ruling above the book's text.
CREATE TABLE house_rules (
    id           TEXT PRIMARY KEY NOT NULL,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    text         TEXT NOT NULL,
    about        TEXT NOT NULL,
    document_id  TEXT NOT NULL,
    chunk_id     TEXT NOT NULL,
    section      TEXT NOT NULL,
    book         TEXT NOT NULL,
    page_start   INTEGER NOT NULL,
    page_end     INTEGER NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX house_rules_campaign_idx ON house_rules (campaign_id, created_at);
