-- What an MCP session over Streamable HTTP chose besides its campaign, kept where every host
-- reads it (a load balancer may send each request of a session to another host, and a host
-- takes over the sessions of one that died): the resources it subscribed to, and the
-- toolsets it enabled beyond the configured ones. Gone with the session.
CREATE TABLE mcp_session_subscriptions (
    session_id  TEXT NOT NULL REFERENCES mcp_sessions (id) ON DELETE CASCADE,
    uri         TEXT NOT NULL,
    PRIMARY KEY (session_id, uri)
);
-- Which sessions watch a resource that changed: one read per change and host.
CREATE INDEX mcp_session_subscriptions_uri_idx ON mcp_session_subscriptions (uri);
CREATE TABLE mcp_session_toolsets (
    session_id  TEXT NOT NULL REFERENCES mcp_sessions (id) ON DELETE CASCADE,
    toolset     TEXT NOT NULL,
    PRIMARY KEY (session_id, toolset)
);
