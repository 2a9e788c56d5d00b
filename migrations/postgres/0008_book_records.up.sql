-- Records recognized in rulebooks. A system plugin's chunker marks stat blocks, spell
-- entries and the like as typed chunks; ingestion keeps each as a record of the system's
-- collection, next to the chunk that cites it. `document_id` is the book it came from (NULL
-- for a structured import such as Open5e), `chunk_id` the chunk whose visibility it shares,
-- `campaign_id` the campaign the book belongs to (NULL: the shared library). Removing a book
-- removes its records; ingesting it again writes them anew.
ALTER TABLE collection_records ADD COLUMN document_id TEXT;
ALTER TABLE collection_records ADD COLUMN chunk_id TEXT;
ALTER TABLE collection_records ADD COLUMN campaign_id TEXT;
CREATE INDEX collection_records_document_idx ON collection_records (document_id);
