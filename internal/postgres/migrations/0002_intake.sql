-- 0002: intake — devices and their enrollment codes, submitted reports, review decisions,
-- and the events that the log commits to.
--
-- Times are text in UTC with nine fractional digits, 2024-06-28T20:15:00.123456789Z, as in
-- the SQLite store: timestamptz would drop the nanoseconds, and the stores keep every field
-- as given. The fixed width and the "C" collation make text order time order; cast to
-- timestamptz to compute with them. Hashes are 32-byte bytea. Reports, checks and values
-- are json, not jsonb: json keeps any string a report may carry, \u0000 included, which
-- jsonb refuses. Event details are bytea, kept byte for byte, since an event's hash may
-- cover them.
--
-- events is append-only, and nothing deletes it: the log commits to every row. Its
-- election column refers to elections without a cascade, so an election that has events
-- can be neither deleted nor replaced (the store says so with EConflict before the
-- database has to), and a trigger refuses any DELETE or TRUNCATE and any UPDATE but
-- setting a missing log index. Every other table is deleted with its election; since each
-- of their rows is written with an event, that happens only to an election that has none
-- of them.
--
-- Writers append events under a transaction-level advisory lock (see the store's
-- eventLock) and number them max(seq)+1, so that sequence numbers are gapless and in
-- commit order across every instance sharing the database.

CREATE TABLE events (
	seq       bigint           NOT NULL PRIMARY KEY CHECK (seq > 0),
	election  text COLLATE "C" NOT NULL REFERENCES elections (id),
	kind      text COLLATE "C" NOT NULL,
	subject   text COLLATE "C" NOT NULL,
	hash      bytea            NOT NULL CHECK (octet_length(hash) = 32),
	time      text COLLATE "C" NOT NULL,
	detail    bytea,
	log_index bigint           CHECK (log_index >= 0)
);

-- The events the sequencer has yet to append: few, and read in seq order.
CREATE INDEX events_unlogged ON events (seq) WHERE log_index IS NULL;
-- A log index is one event's (partial: new events, with none, cost the index nothing).
CREATE UNIQUE INDEX events_log_index ON events (log_index) WHERE log_index IS NOT NULL;
CREATE INDEX events_election ON events (election);

CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'UPDATE' THEN
		RAISE EXCEPTION 'events are append-only';
	END IF;
	IF NEW.seq IS DISTINCT FROM OLD.seq OR NEW.election IS DISTINCT FROM OLD.election
		OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.subject IS DISTINCT FROM OLD.subject
		OR NEW.hash IS DISTINCT FROM OLD.hash OR NEW.time IS DISTINCT FROM OLD.time
		OR NEW.detail IS DISTINCT FROM OLD.detail
		OR (OLD.log_index IS NOT NULL AND NEW.log_index IS DISTINCT FROM OLD.log_index) THEN
		RAISE EXCEPTION 'events are append-only: only a missing log index may be set';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
	FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
	FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

-- One row per enrolled device key. revoked is NULL while the key is valid.
CREATE TABLE devices (
	key_id     text COLLATE "C" NOT NULL PRIMARY KEY, -- hex SHA-256 of public_key
	election   text COLLATE "C" NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	observer   text COLLATE "C" NOT NULL,
	public_key bytea            NOT NULL,
	enrolled   text COLLATE "C" NOT NULL,
	revoked    text COLLATE "C"
);

CREATE INDEX devices_observer ON devices (election, observer, enrolled);

-- One-time enrollment codes, by the SHA-256 of the code. used_at and used_by_key are set,
-- together and once, when a device claims the code.
CREATE TABLE enrollments (
	code_hash   bytea            NOT NULL PRIMARY KEY CHECK (octet_length(code_hash) = 32),
	election    text COLLATE "C" NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	observer    text COLLATE "C" NOT NULL,
	issued      text COLLATE "C" NOT NULL,
	expires     text COLLATE "C" NOT NULL,
	issued_by   text             NOT NULL,
	used_at     text COLLATE "C",
	used_by_key text COLLATE "C"
);

CREATE INDEX enrollments_observer ON enrollments (election, observer);

-- Accepted reports. report is the Report as JSON; the other columns are the rest of the
-- Submission and what queries select by. seq is the acceptance event's. The key is
-- (election, id), declared as (id, election) so that its index also serves a look-up by
-- id alone (Submission with an empty election). A row is about 2 KB, just above the size
-- at which PostgreSQL would compress it by default, which took half the time of storing
-- a batch: toast_tuple_target keeps rows of up to a page as they are.
CREATE TABLE submissions (
	election      text COLLATE "C" NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	id            text COLLATE "C" NOT NULL,
	seq           bigint           NOT NULL UNIQUE,
	station       text COLLATE "C" NOT NULL,
	form          text COLLATE "C" NOT NULL,
	form_version  integer          NOT NULL,
	observer      text COLLATE "C" NOT NULL,
	channel       text COLLATE "C" NOT NULL,
	envelope      bytea            NOT NULL,
	envelope_hash bytea            NOT NULL CHECK (octet_length(envelope_hash) = 32),
	device_key    text COLLATE "C" NOT NULL, -- '' when the channel attests the report
	received      text COLLATE "C" NOT NULL,
	checks        json             NOT NULL, -- array of CheckResult, or null
	status        text COLLATE "C" NOT NULL,
	report        json             NOT NULL,
	PRIMARY KEY (id, election)
) WITH (toast_tuple_target = 8160);

CREATE INDEX submissions_station ON submissions (election, station, form, seq);
CREATE INDEX submissions_seq ON submissions (election, seq);

-- Reviewers' decisions on conflicting fields of station records; seq is the review
-- event that made the decision, and a later one supersedes it.
CREATE TABLE resolutions (
	seq      bigint           NOT NULL PRIMARY KEY,
	election text COLLATE "C" NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	station  text COLLATE "C" NOT NULL,
	form     text COLLATE "C" NOT NULL,
	tag      text COLLATE "C" NOT NULL,
	value    json             NOT NULL
);

CREATE INDEX resolutions_record ON resolutions (election, station, form, seq);
