-- 0001: elections and everything they hold.
--
-- Each record keeps its full encoding/json form in doc, so that a field added to a domain
-- type later needs no migration; the other columns are only what queries need. Every
-- table but elections is keyed by (election, code) and deleted with its election.

CREATE TABLE elections (
	id   TEXT NOT NULL PRIMARY KEY,
	date TEXT NOT NULL, -- YYYY-MM-DD, for ordering
	doc  TEXT NOT NULL
) STRICT;

-- path is the chain of codes from the country down to the area itself, each followed by
-- a slash: /MN/MN-UB/UB-BZD/. Codes cannot hold a slash, so the areas at or below an
-- area are exactly those whose path starts with its path.
CREATE TABLE areas (
	election TEXT    NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	seq      INTEGER NOT NULL, -- load order
	code     TEXT    NOT NULL,
	parent   TEXT    NOT NULL, -- '' for the country
	level    TEXT    NOT NULL,
	path     TEXT    NOT NULL,
	doc      TEXT    NOT NULL,
	PRIMARY KEY (election, code),
	UNIQUE (election, seq)
) STRICT;

-- path is the path of the station's area.
CREATE TABLE stations (
	election   TEXT    NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	code       TEXT    NOT NULL,
	area       TEXT    NOT NULL,
	path       TEXT    NOT NULL,
	registered INTEGER NOT NULL,
	stratum    TEXT    NOT NULL,
	doc        TEXT    NOT NULL,
	PRIMARY KEY (election, code)
) STRICT;

CREATE INDEX stations_path ON stations (election, path, code);

CREATE TABLE contests (
	election TEXT    NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	seq      INTEGER NOT NULL,
	code     TEXT    NOT NULL,
	system   TEXT    NOT NULL, -- the kind of electoral system
	doc      TEXT    NOT NULL,
	PRIMARY KEY (election, code),
	UNIQUE (election, seq)
) STRICT;

CREATE TABLE observers (
	election TEXT    NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	seq      INTEGER NOT NULL,
	code     TEXT    NOT NULL,
	doc      TEXT    NOT NULL,
	PRIMARY KEY (election, code),
	UNIQUE (election, seq)
) STRICT;

CREATE TABLE forms (
	election TEXT    NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	code     TEXT    NOT NULL,
	version  INTEGER NOT NULL,
	doc      TEXT    NOT NULL,
	PRIMARY KEY (election, code, version)
) STRICT;
