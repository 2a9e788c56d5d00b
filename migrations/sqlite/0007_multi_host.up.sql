-- Several hosts on one database.
--
-- MCP sessions over Streamable HTTP, kept where every host reads them, so that a session's
-- next request may reach any host behind a load balancer. `state` is what rmcp needs to
-- restore the session on a host that has not seen it (the client's initialize parameters,
-- JSON); `campaign_id` is the campaign the session chose with campaign_use. A session not
-- touched within the server's idle window is gone.

CREATE TABLE mcp_sessions (
    id           TEXT PRIMARY KEY NOT NULL,
    state        TEXT NOT NULL,
    campaign_id  TEXT REFERENCES campaigns (id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    touched_at   TEXT NOT NULL
);
CREATE INDEX mcp_sessions_touched_idx ON mcp_sessions (touched_at);

-- Plugin components by the SHA-256 of their bytes, so that a plugin installed through one
-- host loads on every host: a host that lacks the file under its data folder fetches it
-- from here and checks it against the sha256 the plugins table recorded.
CREATE TABLE plugin_components (
    sha256  TEXT PRIMARY KEY NOT NULL,
    bytes   BLOB NOT NULL
);

-- An ingestion is leased: the host (the call) working on a document holds it until
-- lease_until and renews it while it works, so that the same file ingested through two
-- hosts at once is done once, and a document whose holder died is taken over once its lease
-- has run out.
ALTER TABLE documents ADD COLUMN lease_holder TEXT;
ALTER TABLE documents ADD COLUMN lease_until TEXT;
