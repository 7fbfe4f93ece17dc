-- 0005: official results — the collated totals an authority published for areas
-- (district, region, country), kept with the station results of the same release.
--
-- A release's totals are stored in the transaction that stores the release and its
-- station results, and, as in 0003, nothing changes or deletes them: triggers refuse any
-- UPDATE or DELETE.
--
-- official_releases gains totals, the number of area totals of the release, as results
-- is the number of its station results; releases imported before this migration have
-- none. Adding a column is not an UPDATE: the triggers of 0003 do not fire.

ALTER TABLE official_releases ADD COLUMN totals INTEGER NOT NULL DEFAULT 0;

-- One row per area and contest of a release. doc is the total's canonical JSON
-- (iltod.AppendResultJSON), the very bytes the release's digest covers. The key orders a
-- release's rows as OfficialResults returns them. The store checks, in the importing
-- transaction, that every area, contest and choice exists and that the contest is voted
-- in the area (iltod.CheckResults); there are no foreign keys to areas and contests, for
-- the reasons 0003 gives.
CREATE TABLE official_totals (
	election TEXT    NOT NULL,
	version  INTEGER NOT NULL,
	area     TEXT    NOT NULL,
	contest  TEXT    NOT NULL,
	doc      TEXT    NOT NULL,
	PRIMARY KEY (election, version, area, contest),
	FOREIGN KEY (election, version) REFERENCES official_releases (election, version)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER official_totals_no_update BEFORE UPDATE ON official_totals
BEGIN
	SELECT RAISE(ABORT, 'official results are never changed');
END;

CREATE TRIGGER official_totals_no_delete BEFORE DELETE ON official_totals
BEGIN
	SELECT RAISE(ABORT, 'official results are never deleted');
END;
