-- 0004: administration — the PVT samples of elections, staff accounts and sign-in
-- sessions; and events of the installation as a whole.
--
-- Events of the installation. A change to a staff account belongs to no election: its
-- event has the election ''. The events table of 0002 refers to elections with a foreign
-- key, which '' cannot satisfy, and SQLite cannot drop a constraint in place, so the table
-- is rebuilt without it, and triggers take its place: an event must name an existing
-- election or '', and an election that has events can be neither deleted nor renamed.
-- With foreign keys enforced, a table can be dropped only once no other table refers to
-- it, so official_releases (which refers to events) and official_results (which refers to
-- official_releases) are rebuilt with it: each new table refers to the other new ones,
-- the old ones are dropped children first, and the renames carry the references over
-- (RENAME rewrites the references of other tables). Every row is copied as it is: no
-- sequence number, hash, time, detail or log index changes. Dropping a table fires no
-- trigger; the triggers and indexes of 0002 and 0003 are created again as they were.

CREATE TABLE events_new (
	seq       INTEGER NOT NULL PRIMARY KEY, -- 1, 2, 3 … across all elections, without gaps
	election  TEXT    NOT NULL,             -- an election's id, or '' for the installation
	kind      TEXT    NOT NULL,
	subject   TEXT    NOT NULL,
	hash      BLOB    NOT NULL,
	time      TEXT    NOT NULL,
	detail    BLOB,             -- canonical JSON, kept byte for byte: Hash may cover it
	log_index INTEGER           -- NULL until the sequencer has appended the event
) STRICT;

INSERT INTO events_new (seq, election, kind, subject, hash, time, detail, log_index)
	SELECT seq, election, kind, subject, hash, time, detail, log_index FROM events ORDER BY seq;

CREATE TABLE official_releases_new (
	election  TEXT    NOT NULL REFERENCES elections (id),
	version   INTEGER NOT NULL CHECK (version > 0),
	seq       INTEGER NOT NULL UNIQUE REFERENCES events_new (seq),
	hash      BLOB    NOT NULL CHECK (length(hash) = 32),
	source    TEXT    NOT NULL,
	published TEXT    NOT NULL,
	imported  TEXT    NOT NULL,
	note      TEXT    NOT NULL,
	results   INTEGER NOT NULL,
	PRIMARY KEY (election, version)
) STRICT;

INSERT INTO official_releases_new (election, version, seq, hash, source, published, imported, note, results)
	SELECT election, version, seq, hash, source, published, imported, note, results FROM official_releases
	ORDER BY election, version;

CREATE TABLE official_results_new (
	election TEXT    NOT NULL,
	version  INTEGER NOT NULL,
	station  TEXT    NOT NULL,
	contest  TEXT    NOT NULL,
	doc      TEXT    NOT NULL,
	PRIMARY KEY (election, version, station, contest),
	FOREIGN KEY (election, version) REFERENCES official_releases_new (election, version)
) STRICT, WITHOUT ROWID;

INSERT INTO official_results_new (election, version, station, contest, doc)
	SELECT election, version, station, contest, doc FROM official_results
	ORDER BY election, version, station, contest;

DROP TABLE official_results;
DROP TABLE official_releases;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
ALTER TABLE official_releases_new RENAME TO official_releases;
ALTER TABLE official_results_new RENAME TO official_results;

-- As in 0002.
CREATE INDEX events_unlogged ON events (seq) WHERE log_index IS NULL;
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

-- What the foreign key from events to elections did. An event names an existing election,
-- or '' for the installation; an election that has events is never deleted (a store says
-- so with EConflict before the database has to) nor renamed.
CREATE TRIGGER events_election_exists BEFORE INSERT ON events
WHEN NEW.election <> '' AND NOT EXISTS (SELECT 1 FROM elections WHERE id = NEW.election)
BEGIN
	SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: an event names an unknown election');
END;

CREATE TRIGGER elections_keep_events BEFORE DELETE ON elections
WHEN EXISTS (SELECT 1 FROM events WHERE election = OLD.id)
BEGIN
	SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: an election that has events is never deleted');
END;

CREATE TRIGGER elections_keep_id BEFORE UPDATE OF id ON elections
WHEN NEW.id IS NOT OLD.id AND EXISTS (SELECT 1 FROM events WHERE election = OLD.id)
BEGIN
	SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: an election that has events keeps its id');
END;

-- As in 0003.
CREATE TRIGGER official_releases_no_update BEFORE UPDATE ON official_releases
BEGIN
	SELECT RAISE(ABORT, 'official releases are never changed');
END;

CREATE TRIGGER official_releases_no_delete BEFORE DELETE ON official_releases
BEGIN
	SELECT RAISE(ABORT, 'official releases are never deleted');
END;

CREATE TRIGGER official_results_no_update BEFORE UPDATE ON official_results
BEGIN
	SELECT RAISE(ABORT, 'official results are never changed');
END;

CREATE TRIGGER official_results_no_delete BEFORE DELETE ON official_results
BEGIN
	SELECT RAISE(ABORT, 'official results are never deleted');
END;

-- PVT samples. A sample is stored with its event (seq, of kind 'sample') in one
-- transaction, and nothing changes or deletes it: the log commits to its hash, the
-- SHA-256 of sample, the canonical JSON of a stats/pvt.Sample kept byte for byte. Like
-- official_releases it does not cascade from elections: an election that has a sample
-- has its event, and can be neither deleted nor replaced anyway. drawn is TEXT in UTC with
-- nine fractional digits, as in 0002.
CREATE TABLE samples (
	election TEXT    NOT NULL REFERENCES elections (id),
	version  INTEGER NOT NULL CHECK (version > 0),
	seq      INTEGER NOT NULL UNIQUE REFERENCES events (seq),
	hash     BLOB    NOT NULL CHECK (length(hash) = 32),
	drawn    TEXT    NOT NULL,
	note     TEXT    NOT NULL,
	stations INTEGER NOT NULL CHECK (stations > 0),
	sample   BLOB    NOT NULL,
	PRIMARY KEY (election, version)
) STRICT;

CREATE TRIGGER samples_no_update BEFORE UPDATE ON samples
BEGIN
	SELECT RAISE(ABORT, 'samples are never changed');
END;

CREATE TRIGGER samples_no_delete BEFORE DELETE ON samples
BEGIN
	SELECT RAISE(ABORT, 'samples are never deleted');
END;

-- Staff accounts, which belong to the installation. Every change is stored with its
-- event (kind 'staff', election ''); seq is that of the latest. areas is a JSON array of
-- area codes, sorted, each once; [] for none. password_hash and totp_secret are opaque
-- secrets ('' for none) that no event detail holds. disabled is 0 or 1.
CREATE TABLE staff (
	login         TEXT    NOT NULL PRIMARY KEY,
	name          TEXT    NOT NULL,
	role          TEXT    NOT NULL CHECK (role IN ('admin', 'coordinator', 'analyst', 'reviewer', 'clerk')),
	areas         TEXT    NOT NULL,
	password_hash TEXT    NOT NULL,
	totp_secret   TEXT    NOT NULL,
	disabled      INTEGER NOT NULL CHECK (disabled IN (0, 1)),
	created       TEXT    NOT NULL,
	updated       TEXT    NOT NULL,
	seq           INTEGER NOT NULL REFERENCES events (seq)
) STRICT;

-- Sign-in sessions, by the SHA-256 of the session token (the token itself is never
-- stored). Sessions carry no event. Expired ones are deleted when a session is created,
-- by expires; a user's are deleted together, by login.
CREATE TABLE sessions (
	token_hash BLOB NOT NULL PRIMARY KEY CHECK (length(token_hash) = 32),
	login      TEXT NOT NULL REFERENCES staff (login),
	created    TEXT NOT NULL,
	expires    TEXT NOT NULL,
	csrf       TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX sessions_login ON sessions (login);
CREATE INDEX sessions_expires ON sessions (expires);
