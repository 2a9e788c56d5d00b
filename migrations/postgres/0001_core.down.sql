DROP TABLE dice_rolls;
DROP TABLE initiative_tracker;
DROP TABLE characters;
DROP TABLE session_notes;
DROP TABLE sessions;
DROP TABLE campaigns;
