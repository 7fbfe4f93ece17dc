-- 0006: the hashes of the follow-up codes that the anonymous form gives citizens (issue
-- 15; docs/anonymous-reporting.md). See 0001_schema.sql for the words in braces.
--
-- hash is iltod.FollowupHash of a code (32 bytes): the code itself is shown to its
-- reporter once and kept nowhere. No row names a person, an address or a device. Rows
-- are deleted with their incident, and so with their election.
CREATE TABLE followups (
	election {code}  NOT NULL,
	hash     {bytes} NOT NULL CHECK (length(hash) = 32),
	incident {code}  NOT NULL,
	created  {code}  NOT NULL,
	PRIMARY KEY (election, hash),
	FOREIGN KEY (election, incident) REFERENCES incidents (election, id) ON DELETE CASCADE
) {keyed};
