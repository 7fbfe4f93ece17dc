-- 0003: official results — releases of an election's official results, each complete in
-- itself, and their station results.
--
-- A release is stored with its import event (seq) in one transaction that holds the event
-- lock, and nothing changes or deletes either: a trigger refuses any UPDATE, DELETE or
-- TRUNCATE, as for events. Neither table cascades from elections; an election that has a
-- release has its import event, so it can be neither deleted nor replaced anyway.
--
-- published and imported are text in UTC with nine fractional digits, as in 0002. hash is
-- the release's OfficialDigest, which the import event's hash repeats.

CREATE TABLE official_releases (
	election  text COLLATE "C" NOT NULL REFERENCES elections (id),
	version   integer          NOT NULL CHECK (version > 0),
	seq       bigint           NOT NULL UNIQUE REFERENCES events (seq),
	hash      bytea            NOT NULL CHECK (octet_length(hash) = 32),
	source    text             NOT NULL,
	published text COLLATE "C" NOT NULL,
	imported  text COLLATE "C" NOT NULL,
	note      text             NOT NULL,
	results   integer          NOT NULL,
	PRIMARY KEY (election, version)
);

-- One row per station and contest of a release. doc is the result's canonical JSON
-- (iltod.AppendResultJSON), the very bytes the release's digest covers; json, not jsonb,
-- keeps them as they are. The key orders a release's rows as OfficialResults returns
-- them. The store checks, in the importing transaction, that every station, contest and
-- choice exists (iltod.CheckResults). There are no foreign keys: to stations and contests
-- they would cost a look-up per row of an import and, on deleting another election's
-- stations, a search of this table per station; to official_releases, whose row the
-- same transaction inserts first and nothing deletes, one look-up per row costs 0.8 s of
-- an import of 100,000 results (SQLite's costs nothing measurable, and it keeps it).
CREATE TABLE official_results (
	election text COLLATE "C" NOT NULL,
	version  integer          NOT NULL,
	station  text COLLATE "C" NOT NULL,
	contest  text COLLATE "C" NOT NULL,
	doc      json             NOT NULL,
	PRIMARY KEY (election, version, station, contest)
);

CREATE FUNCTION official_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'official results are never changed or deleted';
END
$$;

CREATE TRIGGER official_releases_append_only BEFORE UPDATE OR DELETE ON official_releases
	FOR EACH ROW EXECUTE FUNCTION official_append_only();
CREATE TRIGGER official_releases_no_truncate BEFORE TRUNCATE ON official_releases
	FOR EACH STATEMENT EXECUTE FUNCTION official_append_only();
CREATE TRIGGER official_results_append_only BEFORE UPDATE OR DELETE ON official_results
	FOR EACH ROW EXECUTE FUNCTION official_append_only();
CREATE TRIGGER official_results_no_truncate BEFORE TRUNCATE ON official_results
	FOR EACH STATEMENT EXECUTE FUNCTION official_append_only();
