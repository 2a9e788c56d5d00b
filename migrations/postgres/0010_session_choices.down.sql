DROP TABLE mcp_session_toolsets;
DROP TABLE mcp_session_subscriptions;
