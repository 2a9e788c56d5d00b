DROP TABLE collection_records;
