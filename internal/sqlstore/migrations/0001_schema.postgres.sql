-- 0001, the triggers of PostgreSQL: see 0001_schema.sql. Each refuses TRUNCATE too.

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

-- An event's election is locked FOR KEY SHARE, as a foreign key would.
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

CREATE FUNCTION never_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '% are never changed or deleted', TG_TABLE_NAME;
END
$$;

CREATE TRIGGER official_releases_append_only BEFORE UPDATE OR DELETE ON official_releases
	FOR EACH ROW EXECUTE FUNCTION never_changed();
CREATE TRIGGER official_releases_no_truncate BEFORE TRUNCATE ON official_releases
	FOR EACH STATEMENT EXECUTE FUNCTION never_changed();
CREATE TRIGGER official_results_append_only BEFORE UPDATE OR DELETE ON official_results
	FOR EACH ROW EXECUTE FUNCTION never_changed();
CREATE TRIGGER official_results_no_truncate BEFORE TRUNCATE ON official_results
	FOR EACH STATEMENT EXECUTE FUNCTION never_changed();
CREATE TRIGGER official_totals_append_only BEFORE UPDATE OR DELETE ON official_totals
	FOR EACH ROW EXECUTE FUNCTION never_changed();
CREATE TRIGGER official_totals_no_truncate BEFORE TRUNCATE ON official_totals
	FOR EACH STATEMENT EXECUTE FUNCTION never_changed();
CREATE TRIGGER samples_append_only BEFORE UPDATE OR DELETE ON samples
	FOR EACH ROW EXECUTE FUNCTION never_changed();
CREATE TRIGGER samples_no_truncate BEFORE TRUNCATE ON samples
	FOR EACH STATEMENT EXECUTE FUNCTION never_changed();
