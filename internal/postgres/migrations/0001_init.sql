-- 0001: elections and everything they hold.
--
-- Each record keeps its full encoding/json form in doc, so that a field added to a domain
-- type later needs no migration; the other columns are only what queries need. Every
-- table but elections is keyed by (election, code) and deleted with its election.
--
-- Codes and paths use the "C" collation: byte order, the order the SQLite store and Go's
-- sort use, whatever the database's locale; and the range comparisons on path rely on it.

CREATE TABLE elections (
	id   text COLLATE "C" NOT NULL PRIMARY KEY,
	date text COLLATE "C" NOT NULL, -- YYYY-MM-DD, for ordering
	doc  jsonb NOT NULL
);

-- path is the chain of codes from the country down to the area itself, each followed by
-- a slash: /MN/MN-UB/UB-BZD/. Codes cannot hold a slash, so the areas at or below an
-- area are exactly those whose path starts with its path.
CREATE TABLE areas (
	election text COLLATE "C" NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	seq      integer          NOT NULL, -- load order
	code     text COLLATE "C" NOT NULL,
	parent   text COLLATE "C" NOT NULL, -- '' for the country
	level    text             NOT NULL,
	path     text COLLATE "C" NOT NULL,
	doc      jsonb            NOT NULL,
	PRIMARY KEY (election, code),
	UNIQUE (election, seq)
);

-- path is the path of the station's area.
CREATE TABLE stations (
	election   text COLLATE "C" NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	code       text COLLATE "C" NOT NULL,
	area       text COLLATE "C" NOT NULL,
	path       text COLLATE "C" NOT NULL,
	registered integer          NOT NULL,
	stratum    text             NOT NULL,
	doc        jsonb            NOT NULL,
	PRIMARY KEY (election, code)
);

CREATE INDEX stations_path ON stations (election, path, code);

CREATE TABLE contests (
	election text COLLATE "C" NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	seq      integer          NOT NULL,
	code     text COLLATE "C" NOT NULL,
	system   text             NOT NULL, -- the kind of electoral system
	doc      jsonb            NOT NULL,
	PRIMARY KEY (election, code),
	UNIQUE (election, seq)
);

CREATE TABLE observers (
	election text COLLATE "C" NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	seq      integer          NOT NULL,
	code     text COLLATE "C" NOT NULL,
	doc      jsonb            NOT NULL,
	PRIMARY KEY (election, code),
	UNIQUE (election, seq)
);

CREATE TABLE forms (
	election text COLLATE "C" NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	code     text COLLATE "C" NOT NULL,
	version  integer          NOT NULL,
	doc      jsonb            NOT NULL,
	PRIMARY KEY (election, code, version)
);
