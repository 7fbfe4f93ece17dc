-- 0002: blobs, and the photos that accepted reports name. See 0001_schema.sql for the
-- words in braces.
--
-- A blob is a byte string named by its SHA-256: a protocol photo now, the age ciphertext
-- of evidence later. Blobs belong to the installation, not to an election: the same bytes
-- are kept once, and deleting an election leaves them. A blob is never changed; storing
-- it again is a no-op. size is length(data), so that listing blobs need not read them.
-- Not WITHOUT ROWID on SQLite, whose documentation advises against it for rows this large.
CREATE TABLE blobs (
	sha256     {bytes} NOT NULL PRIMARY KEY CHECK (length(sha256) = 32),
	media_type {text}  NOT NULL CHECK (media_type <> ''),
	size       {int64} NOT NULL CHECK (size >= 0),
	created    {code}  NOT NULL,
	data       {bytes} NOT NULL
) {table};

-- The photo answers of accepted reports: one row per answer that has the shape of a photo
-- hash (a string of 64 lower-case hexadecimal digits), whatever its question's type,
-- written by the transaction that accepts the report; seq is the report's. Callers check
-- the question's type. Deleted with its election, as the reports are.
CREATE TABLE report_photos (
	election {code}  NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	sha256   {bytes} NOT NULL CHECK (length(sha256) = 32),
	seq      {int64} NOT NULL,
	tag      {code}  NOT NULL,
	PRIMARY KEY (sha256, election, seq, tag)
) {keyed};

