-- Every message in and out on a messaging channel, per observer. id is the rowid, so
-- that each message gets a number greater than every earlier one. address and text are
-- sensitive: they never reach the log or a public page. report is '' when the message
-- made no report.
CREATE TABLE channel_messages (
	id         INTEGER PRIMARY KEY,
	election   TEXT NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	observer   TEXT NOT NULL,
	direction  TEXT NOT NULL CHECK (direction IN ('in', 'out')),
	transport  TEXT NOT NULL,
	gateway    TEXT NOT NULL,
	gateway_id TEXT NOT NULL,
	address    TEXT NOT NULL,
	text       TEXT NOT NULL,
	report     TEXT NOT NULL,
	at         TEXT NOT NULL,
	status     TEXT NOT NULL
) STRICT;

CREATE INDEX channel_messages_observer ON channel_messages (election, observer, id);
