-- 0008, PostgreSQL: the triggers of 0001 called a PL/pgSQL function for every event
-- inserted or updated. An update now calls events_append_only only if the trigger's WHEN
-- condition, which PostgreSQL evaluates without calling it, finds that the update changes
-- what it may not (the function then refuses it); a delete calls it as before. An insert
-- checks the elections its events name once per statement, from the inserted rows, and
-- locks each FOR KEY SHARE, as a foreign key would.

DROP TRIGGER events_append_only ON events;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
	FOR EACH ROW EXECUTE FUNCTION events_append_only();

CREATE TRIGGER events_append_only BEFORE UPDATE ON events
	FOR EACH ROW
	WHEN (NEW.seq IS DISTINCT FROM OLD.seq OR NEW.election IS DISTINCT FROM OLD.election
		OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.subject IS DISTINCT FROM OLD.subject
		OR NEW.hash IS DISTINCT FROM OLD.hash OR NEW.time IS DISTINCT FROM OLD.time
		OR NEW.detail IS DISTINCT FROM OLD.detail
		OR (OLD.log_index IS NOT NULL AND NEW.log_index IS DISTINCT FROM OLD.log_index))
	EXECUTE FUNCTION events_append_only();

DROP TRIGGER events_election_exists ON events;
DROP FUNCTION events_election_exists();

CREATE FUNCTION events_elections_exist() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	missing text;
BEGIN
	PERFORM 1 FROM elections WHERE id IN (SELECT election FROM new_events WHERE election <> '')
		ORDER BY id FOR KEY SHARE;
	SELECT n.election INTO missing FROM new_events n
		WHERE n.election <> '' AND NOT EXISTS (SELECT 1 FROM elections e WHERE e.id = n.election)
		LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'an event names the unknown election %', missing
			USING ERRCODE = 'foreign_key_violation';
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER events_election_exists AFTER INSERT ON events
	REFERENCING NEW TABLE AS new_events
	FOR EACH STATEMENT EXECUTE FUNCTION events_elections_exist();
