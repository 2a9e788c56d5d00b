DROP TABLE campaign_notes;
DROP TABLE chunks;
DROP TABLE document_pages;
DROP TABLE documents;
