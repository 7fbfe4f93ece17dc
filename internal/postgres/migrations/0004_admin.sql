-- 0004: administration — the PVT samples of elections, staff accounts and sign-in
-- sessions; and events of the installation as a whole.
--
-- Events of the installation. A change to a staff account belongs to no election: its
-- event has the election ''. The foreign key from events to elections of 0002 cannot
-- accept '', so it is dropped and triggers take its place, as the SQLite store's do: an
-- event names an existing election (locked FOR KEY SHARE, as the foreign key did) or '';
-- an election that has events can be neither deleted nor given another id; and elections
-- cannot be truncated while any event names one. Writers that append events or delete
-- elections hold the event lock anyway (see the store's eventLock); the triggers keep any
-- other SQL from breaking the rule.

ALTER TABLE events DROP CONSTRAINT events_election_fkey;

CREATE FUNCTION events_election_exists() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.election <> '' THEN
		PERFORM 1 FROM elections WHERE id = NEW.election FOR KEY SHARE;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'an event names the unknown election %', NEW.election
				USING ERRCODE = 'foreign_key_violation';
		END IF;
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER events_election_exists BEFORE INSERT ON events
	FOR EACH ROW EXECUTE FUNCTION events_election_exists();

CREATE FUNCTION elections_keep_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		IF EXISTS (SELECT 1 FROM events WHERE election <> '') THEN
			RAISE EXCEPTION 'elections that have events are never deleted'
				USING ERRCODE = 'foreign_key_violation';
		END IF;
		RETURN NULL;
	END IF;
	IF (TG_OP = 'DELETE' OR NEW.id IS DISTINCT FROM OLD.id)
		AND EXISTS (SELECT 1 FROM events WHERE election = OLD.id) THEN
		RAISE EXCEPTION 'election % has events: it is never deleted and keeps its id', OLD.id
			USING ERRCODE = 'foreign_key_violation';
	END IF;
	IF TG_OP = 'DELETE' THEN
		RETURN OLD;
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER elections_keep_events BEFORE DELETE OR UPDATE OF id ON elections
	FOR EACH ROW EXECUTE FUNCTION elections_keep_events();
CREATE TRIGGER elections_no_truncate_events BEFORE TRUNCATE ON elections
	FOR EACH STATEMENT EXECUTE FUNCTION elections_keep_events();

-- PVT samples. A sample is stored with its event (seq, of kind 'sample') in one
-- transaction that holds the event lock, and nothing changes or deletes it: the log
-- commits to its hash, the SHA-256 of sample, the canonical JSON of a stats/pvt.Sample
-- kept byte for byte (bytea). Like official_releases it does not cascade from elections.
-- drawn is text in UTC with nine fractional digits, as in 0002.
CREATE TABLE samples (
	election text COLLATE "C" NOT NULL REFERENCES elections (id),
	version  integer          NOT NULL CHECK (version > 0),
	seq      bigint           NOT NULL UNIQUE REFERENCES events (seq),
	hash     bytea            NOT NULL CHECK (octet_length(hash) = 32),
	drawn    text COLLATE "C" NOT NULL,
	note     text             NOT NULL,
	stations integer          NOT NULL CHECK (stations > 0),
	sample   bytea            NOT NULL,
	PRIMARY KEY (election, version)
);

CREATE FUNCTION samples_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'samples are never changed or deleted';
END
$$;

CREATE TRIGGER samples_append_only BEFORE UPDATE OR DELETE ON samples
	FOR EACH ROW EXECUTE FUNCTION samples_append_only();
CREATE TRIGGER samples_no_truncate BEFORE TRUNCATE ON samples
	FOR EACH STATEMENT EXECUTE FUNCTION samples_append_only();

-- Staff accounts, which belong to the installation. Every change is stored with its
-- event (kind 'staff', election '') under the event lock; seq is that of the latest.
-- areas are area codes, sorted, each once; '{}' for none. password_hash and totp_secret
-- are opaque secrets ('' for none) that no event detail holds. Logins sort in byte order.
CREATE TABLE staff (
	login         text COLLATE "C"   NOT NULL PRIMARY KEY,
	name          text               NOT NULL,
	role          text COLLATE "C"   NOT NULL CHECK (role IN ('admin', 'coordinator', 'analyst', 'reviewer', 'clerk')),
	areas         text[] COLLATE "C" NOT NULL,
	password_hash text               NOT NULL,
	totp_secret   text               NOT NULL,
	disabled      boolean            NOT NULL,
	created       text COLLATE "C"   NOT NULL,
	updated       text COLLATE "C"   NOT NULL,
	seq           bigint             NOT NULL REFERENCES events (seq)
);

-- Sign-in sessions, by the SHA-256 of the session token (the token itself is never
-- stored), shared by every instance. Sessions carry no event, and their writes do not
-- take the event lock. Expired ones are deleted when a session is created, by expires; a
-- user's are deleted together, by login.
CREATE TABLE sessions (
	token_hash bytea            NOT NULL PRIMARY KEY CHECK (octet_length(token_hash) = 32),
	login      text COLLATE "C" NOT NULL REFERENCES staff (login),
	created    text COLLATE "C" NOT NULL,
	expires    text COLLATE "C" NOT NULL,
	csrf       text             NOT NULL
);

CREATE INDEX sessions_login ON sessions (login);
CREATE INDEX sessions_expires ON sessions (expires);
