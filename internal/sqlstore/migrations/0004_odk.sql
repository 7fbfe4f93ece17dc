-- 0004: the observers' OpenRosa credentials (ODK Collect signs in with HTTP Digest). See
-- 0001_schema.sql for the words in braces.
--
-- One row per observer: issuing new credentials replaces the row, and the old password
-- stops working. ha1 is MD5(username:realm:password) in hex, a password equivalent for
-- the election's realm: sensitive, never exported. Deleted with its election.
CREATE TABLE odk_credentials (
	election  {code} NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	observer  {code} NOT NULL,
	username  {code} NOT NULL,
	ha1       {code} NOT NULL CHECK (length(ha1) = 32),
	issued    {code} NOT NULL,
	issued_by {text} NOT NULL,
	PRIMARY KEY (election, observer)
) {keyed};

CREATE UNIQUE INDEX odk_credentials_username ON odk_credentials (election, username);
