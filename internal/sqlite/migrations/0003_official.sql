-- 0003: official results — releases of an election's official results, each complete in
-- itself, and their station results.
--
-- A release is stored with its import event (seq) in one transaction, and nothing changes
-- or deletes either: triggers refuse any UPDATE or DELETE, as for events. Neither table
-- cascades from elections; an election that has a release has its import event, so it
-- can be neither deleted nor replaced anyway.
--
-- published and imported are TEXT in UTC with nine fractional digits, as in 0002. hash is
-- the release's OfficialDigest, which the import event's hash repeats.

CREATE TABLE official_releases (
	election  TEXT    NOT NULL REFERENCES elections (id),
	version   INTEGER NOT NULL CHECK (version > 0),
	seq       INTEGER NOT NULL UNIQUE REFERENCES events (seq),
	hash      BLOB    NOT NULL CHECK (length(hash) = 32),
	source    TEXT    NOT NULL,
	published TEXT    NOT NULL,
	imported  TEXT    NOT NULL,
	note      TEXT    NOT NULL,
	results   INTEGER NOT NULL,
	PRIMARY KEY (election, version)
) STRICT;

-- One row per station and contest of a release. doc is the result's canonical JSON
-- (iltod.AppendResultJSON), the very bytes the release's digest covers. The key orders a
-- release's rows as OfficialResults returns them. The store checks, in the importing
-- transaction, that every station, contest and choice exists (iltod.CheckResults); there
-- are no foreign keys to stations and contests, which would make deleting another
-- election's stations scan this table once per station.
CREATE TABLE official_results (
	election TEXT    NOT NULL,
	version  INTEGER NOT NULL,
	station  TEXT    NOT NULL,
	contest  TEXT    NOT NULL,
	doc      TEXT    NOT NULL,
	PRIMARY KEY (election, version, station, contest),
	FOREIGN KEY (election, version) REFERENCES official_releases (election, version)
) STRICT, WITHOUT ROWID;

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
