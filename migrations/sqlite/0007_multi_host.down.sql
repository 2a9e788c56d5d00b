ALTER TABLE documents DROP COLUMN lease_until;
ALTER TABLE documents DROP COLUMN lease_holder;
DROP TABLE plugin_components;
DROP TABLE mcp_sessions;
