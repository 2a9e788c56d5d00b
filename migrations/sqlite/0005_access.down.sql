ALTER TABLE chunks DROP COLUMN visibility;
ALTER TABLE documents DROP COLUMN visibility;
ALTER TABLE session_notes DROP COLUMN visibility;
ALTER TABLE campaign_notes DROP COLUMN visibility;
ALTER TABLE characters DROP COLUMN player_id;
DROP TABLE campaign_members;
DROP TABLE api_tokens;
DROP TABLE users;
