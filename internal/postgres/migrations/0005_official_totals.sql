-- 0005: official results — the collated totals an authority published for areas
-- (district, region, country), kept with the station results of the same release.
--
-- A release's totals are stored in the transaction that stores the release and its
-- station results, and, as in 0003, nothing changes or deletes them: a trigger refuses
-- any UPDATE, DELETE or TRUNCATE.
--
-- official_releases gains totals, the number of area totals of the release, as results
-- is the number of its station results; releases imported before this migration have
-- none. Adding a column with a constant default rewrites no row and fires no trigger.

ALTER TABLE official_releases ADD COLUMN totals integer NOT NULL DEFAULT 0;

-- One row per area and contest of a release. doc is the total's canonical JSON
-- (iltod.AppendResultJSON), the very bytes the release's digest covers; json, not jsonb,
-- keeps them as they are. The key orders a release's rows as OfficialResults returns
-- them. The store checks, in the importing transaction, that every area, contest and
-- choice exists and that the contest is voted in the area (iltod.CheckResults); there
-- are no foreign keys, for the reasons 0003 gives.
CREATE TABLE official_totals (
	election text COLLATE "C" NOT NULL,
	version  integer          NOT NULL,
	area     text COLLATE "C" NOT NULL,
	contest  text COLLATE "C" NOT NULL,
	doc      json             NOT NULL,
	PRIMARY KEY (election, version, area, contest)
);

CREATE TRIGGER official_totals_append_only BEFORE UPDATE OR DELETE ON official_totals
	FOR EACH ROW EXECUTE FUNCTION official_append_only();
CREATE TRIGGER official_totals_no_truncate BEFORE TRUNCATE ON official_totals
	FOR EACH STATEMENT EXECUTE FUNCTION official_append_only();
