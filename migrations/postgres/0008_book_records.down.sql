DELETE FROM collection_records WHERE document_id IS NOT NULL;
DROP INDEX collection_records_document_idx;
ALTER TABLE collection_records DROP COLUMN campaign_id;
ALTER TABLE collection_records DROP COLUMN chunk_id;
ALTER TABLE collection_records DROP COLUMN document_id;
