-- 0001, the triggers of SQLite: see 0001_schema.sql. A trigger of SQLite has one event.

CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
WHEN NEW.seq IS NOT OLD.seq OR NEW.election IS NOT OLD.election OR NEW.kind IS NOT OLD.kind
	OR NEW.subject IS NOT OLD.subject OR NEW.hash IS NOT OLD.hash OR NEW.time IS NOT OLD.time
	OR NEW.detail IS NOT OLD.detail OR (OLD.log_index IS NOT NULL AND NEW.log_index IS NOT OLD.log_index)
BEGIN
	SELECT RAISE(ABORT, 'events are append-only: only a missing log index may be set');
END;

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

CREATE TRIGGER official_releases_no_update BEFORE UPDATE ON official_releases BEGIN SELECT RAISE(ABORT, 'official releases are never changed'); END;
CREATE TRIGGER official_releases_no_delete BEFORE DELETE ON official_releases BEGIN SELECT RAISE(ABORT, 'official releases are never deleted'); END;
CREATE TRIGGER official_results_no_update BEFORE UPDATE ON official_results BEGIN SELECT RAISE(ABORT, 'official results are never changed'); END;
CREATE TRIGGER official_results_no_delete BEFORE DELETE ON official_results BEGIN SELECT RAISE(ABORT, 'official results are never deleted'); END;
CREATE TRIGGER official_totals_no_update BEFORE UPDATE ON official_totals BEGIN SELECT RAISE(ABORT, 'official results are never changed'); END;
CREATE TRIGGER official_totals_no_delete BEFORE DELETE ON official_totals BEGIN SELECT RAISE(ABORT, 'official results are never deleted'); END;
CREATE TRIGGER samples_no_update BEFORE UPDATE ON samples BEGIN SELECT RAISE(ABORT, 'samples are never changed'); END;
CREATE TRIGGER samples_no_delete BEFORE DELETE ON samples BEGIN SELECT RAISE(ABORT, 'samples are never deleted'); END;
