-- The rulebook library and campaign notes.
--
-- A document is one ingested file, known by the SHA-256 of its bytes. It is written with
-- status 'ingesting' and becomes visible to search only when the whole pipeline has
-- finished and set it to 'ready'; a run killed half-way leaves an 'ingesting' row that the
-- next run of the same file resumes. Pages keep the extracted text (or the reason a page
-- has none). Chunks are stored once per document and text (text_hash), so a resumed run
-- never duplicates one; 'indexed' says its vectors are in the vector index.

CREATE TABLE documents (
    id            TEXT PRIMARY KEY NOT NULL,
    content_hash  TEXT NOT NULL UNIQUE,
    book          TEXT NOT NULL,
    system        TEXT,
    campaign_id   TEXT REFERENCES campaigns (id) ON DELETE CASCADE,
    file_name     TEXT NOT NULL,
    page_count    BIGINT NOT NULL,
    chunker       TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('ingesting', 'ready')),
    chunk_count   BIGINT NOT NULL DEFAULT 0,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX documents_book_idx ON documents (book);

CREATE TABLE document_pages (
    document_id  TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    number       BIGINT NOT NULL,
    text         TEXT NOT NULL,
    problem      TEXT,
    PRIMARY KEY (document_id, number)
);

CREATE TABLE chunks (
    id            TEXT PRIMARY KEY NOT NULL,
    document_id   TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    ordinal       BIGINT NOT NULL,
    page_start    BIGINT NOT NULL,
    page_end      BIGINT NOT NULL,
    section       TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    text          TEXT NOT NULL,
    metadata      JSONB NOT NULL,
    text_hash     TEXT NOT NULL,
    indexed       BIGINT NOT NULL DEFAULT 0,
    UNIQUE (document_id, text_hash)
);
CREATE INDEX chunks_document_idx ON chunks (document_id, indexed, ordinal);

CREATE TABLE campaign_notes (
    id           TEXT PRIMARY KEY NOT NULL,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    tags         JSONB NOT NULL,
    indexed      BIGINT NOT NULL DEFAULT 0,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX campaign_notes_campaign_idx ON campaign_notes (campaign_id, kind, created_at);
