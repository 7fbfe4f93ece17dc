-- 0002: intake — devices and their enrollment codes, submitted reports, review decisions,
-- and the events that the log commits to.
--
-- Times are TEXT in UTC with nine fractional digits, 2024-06-28T20:15:00.123456789Z: the
-- store keeps them to the nanosecond, and the fixed width makes text order time order.
-- Hashes are 32-byte BLOBs. JSON columns hold the encoding/json form of a domain value.
--
-- events is append-only, and nothing deletes it: the log commits to every row. Its
-- election column refers to elections without a cascade, so an election that has events
-- can be neither deleted nor replaced (the store says so with EConflict before the
-- database has to), and triggers refuse any DELETE and any UPDATE but setting a missing
-- log index. Every other table is deleted with its election; since each of their rows is
-- written with an event, that happens only to an election that has none of them.

CREATE TABLE events (
	seq       INTEGER NOT NULL PRIMARY KEY, -- 1, 2, 3 … across all elections, without gaps
	election  TEXT    NOT NULL REFERENCES elections (id),
	kind      TEXT    NOT NULL,
	subject   TEXT    NOT NULL,
	hash      BLOB    NOT NULL,
	time      TEXT    NOT NULL,
	detail    BLOB,             -- canonical JSON, kept byte for byte: Hash may cover it
	log_index INTEGER           -- NULL until the sequencer has appended the event
) STRICT;

-- The events the sequencer has yet to append: few, and read in seq order.
CREATE INDEX events_unlogged ON events (seq) WHERE log_index IS NULL;
-- A log index is one event's (partial: new events, with none, cost the index nothing).
CREATE UNIQUE INDEX events_log_index ON events (log_index) WHERE log_index IS NOT NULL;
CREATE INDEX events_election ON events (election);

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
	SELECT RAISE(ABORT, 'events are append-only');
END;

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
WHEN NEW.seq IS NOT OLD.seq OR NEW.election IS NOT OLD.election OR NEW.kind IS NOT OLD.kind
	OR NEW.subject IS NOT OLD.subject OR NEW.hash IS NOT OLD.hash OR NEW.time IS NOT OLD.time
	OR NEW.detail IS NOT OLD.detail OR (OLD.log_index IS NOT NULL AND NEW.log_index IS NOT OLD.log_index)
BEGIN
	SELECT RAISE(ABORT, 'events are append-only: only a missing log index may be set');
END;

-- One row per enrolled device key. revoked is NULL while the key is valid.
CREATE TABLE devices (
	key_id     TEXT NOT NULL PRIMARY KEY, -- hex SHA-256 of public_key
	election   TEXT NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	observer   TEXT NOT NULL,
	public_key BLOB NOT NULL,
	enrolled   TEXT NOT NULL,
	revoked    TEXT
) STRICT;

CREATE INDEX devices_observer ON devices (election, observer, enrolled);

-- One-time enrollment codes, by the SHA-256 of the code. used_at and used_by_key are set,
-- together and once, when a device claims the code.
CREATE TABLE enrollments (
	code_hash   BLOB NOT NULL PRIMARY KEY,
	election    TEXT NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	observer    TEXT NOT NULL,
	issued      TEXT NOT NULL,
	expires     TEXT NOT NULL,
	issued_by   TEXT NOT NULL,
	used_at     TEXT,
	used_by_key TEXT
) STRICT;

CREATE INDEX enrollments_observer ON enrollments (election, observer);

-- Accepted reports. report is the Report as JSON; the other columns are the rest of the
-- Submission and what queries select by. seq is the acceptance event's, and the rowid, so
-- that new rows are appended at the end of the table. The key is (election, id), declared
-- as (id, election) so that its index also serves a look-up by id alone (Submission with
-- an empty election).
CREATE TABLE submissions (
	seq           INTEGER NOT NULL PRIMARY KEY,
	election      TEXT    NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	id            TEXT    NOT NULL,
	station       TEXT    NOT NULL,
	form          TEXT    NOT NULL,
	form_version  INTEGER NOT NULL,
	observer      TEXT    NOT NULL,
	channel       TEXT    NOT NULL,
	envelope      BLOB    NOT NULL,
	envelope_hash BLOB    NOT NULL,
	device_key    TEXT    NOT NULL, -- '' when the channel attests the report
	received      TEXT    NOT NULL,
	checks        TEXT    NOT NULL, -- JSON array of CheckResult, or null
	status        TEXT    NOT NULL,
	report        TEXT    NOT NULL,
	UNIQUE (id, election)
) STRICT;

CREATE INDEX submissions_station ON submissions (election, station, form, seq);
CREATE INDEX submissions_seq ON submissions (election, seq);

-- Reviewers' decisions on conflicting fields of station records; seq is the review
-- event that made the decision, and a later one supersedes it.
CREATE TABLE resolutions (
	seq      INTEGER NOT NULL PRIMARY KEY,
	election TEXT    NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	station  TEXT    NOT NULL,
	form     TEXT    NOT NULL,
	tag      TEXT    NOT NULL,
	value    TEXT    NOT NULL -- JSON of the Value
) STRICT;

CREATE INDEX resolutions_record ON resolutions (election, station, form, seq);
