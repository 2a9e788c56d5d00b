-- Plugins: installed components, which campaign enables which (with what grants), and
-- each plugin's private key-value space per campaign.

CREATE TABLE plugins (
    id            TEXT NOT NULL,
    version       TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    api_version   TEXT NOT NULL,
    system        TEXT NOT NULL,
    manifest      TEXT NOT NULL,
    installed_at  TEXT NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE campaign_plugins (
    campaign_id   TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    plugin_id     TEXT NOT NULL,
    version_req   TEXT NOT NULL,
    version       TEXT NOT NULL,
    grants        TEXT NOT NULL DEFAULT '[]',
    enabled_at    TEXT NOT NULL,
    PRIMARY KEY (campaign_id, plugin_id)
);
CREATE INDEX campaign_plugins_plugin_idx ON campaign_plugins (plugin_id, version);

CREATE TABLE plugin_kv (
    plugin_id     TEXT NOT NULL,
    campaign_id   TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    value         BLOB NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (plugin_id, campaign_id, key)
);
