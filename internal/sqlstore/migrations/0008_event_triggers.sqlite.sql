-- 0008, SQLite: events_no_update fired for every update of an event, the marking of its
-- log index too. It now fires only for an update that names one of the columns that never
-- change, its conditions unchanged; setting the log index is checked by a trigger of its
-- own. rowid, oid and _rowid_ are seq's other names, which an UPDATE may use.

DROP TRIGGER events_no_update;

CREATE TRIGGER events_no_update BEFORE UPDATE OF seq, rowid, oid, _rowid_, election, kind, subject, hash, time, detail ON events
WHEN NEW.seq IS NOT OLD.seq OR NEW.election IS NOT OLD.election OR NEW.kind IS NOT OLD.kind
	OR NEW.subject IS NOT OLD.subject OR NEW.hash IS NOT OLD.hash OR NEW.time IS NOT OLD.time
	OR NEW.detail IS NOT OLD.detail
BEGIN
	SELECT RAISE(ABORT, 'events are append-only: only a missing log index may be set');
END;

CREATE TRIGGER events_log_index_once BEFORE UPDATE OF log_index ON events
WHEN OLD.log_index IS NOT NULL AND NEW.log_index IS NOT OLD.log_index
BEGIN
	SELECT RAISE(ABORT, 'events are append-only: only a missing log index may be set');
END;
