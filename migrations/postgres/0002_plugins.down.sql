DROP TABLE plugin_kv;
DROP TABLE campaign_plugins;
DROP TABLE plugins;
