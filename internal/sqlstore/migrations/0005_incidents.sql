-- 0005: incidents, and the actors, positions and occupancies they name (issue 15). See
-- 0001_schema.sql for the words in braces.
--
-- Each row keeps its record as JSON in doc, as the store was given it; the other columns
-- are what queries select and order by. Every change to these tables is made with its
-- event in the same transaction. An incident's doc holds its narrative and reporter:
-- sensitive, never exported in clear. All are deleted with their election, which the
-- events forbid once there are any.
CREATE TABLE incidents (
	election {code}  NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	id       {code}  NOT NULL,
	seq      {int64} NOT NULL, -- the seq of the reporting event: report order
	status   {code}  NOT NULL CHECK (status IN ('unverified', 'corroborated', 'verified', 'rejected')),
	doc      {bytes} NOT NULL,
	PRIMARY KEY (election, id)
) {table};

CREATE INDEX incidents_seq ON incidents (election, seq);

CREATE TABLE actors (
	election {code}  NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	code     {code}  NOT NULL,
	doc      {bytes} NOT NULL,
	PRIMARY KEY (election, code)
) {keyed};

CREATE TABLE actor_positions (
	election {code}  NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	code     {code}  NOT NULL,
	body     {code}  NOT NULL,
	doc      {bytes} NOT NULL,
	PRIMARY KEY (election, code)
) {keyed};

CREATE TABLE occupancies (
	election {code}  NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	actor    {code}  NOT NULL,
	position {code}  NOT NULL,
	start    {code}  NOT NULL,
	doc      {bytes} NOT NULL,
	PRIMARY KEY (election, actor, position, start)
) {keyed};
