-- 0002 on PostgreSQL: photos are compressed already, so their bytes are kept out of line
-- without trying to compress them again.
ALTER TABLE blobs ALTER COLUMN data SET STORAGE EXTERNAL;
