-- 0003: the messaging channels (SMS, WhatsApp, Telegram). See 0001_schema.sql for the
-- words in braces; 0003_messages.<dialect>.sql adds channel_messages, whose numbering
-- each database spells its own way.
--
-- One-time codes with which an observer links a messenger account, by the SHA-256 of
-- the code, as enrollments keep theirs. used_at and used_by (the account linked) are set,
-- together and once, when the code is claimed.
CREATE TABLE link_codes (
	code_hash {bytes} NOT NULL PRIMARY KEY CHECK (length(code_hash) = 32),
	election  {code}  NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	observer  {code}  NOT NULL,
	issued    {code}  NOT NULL,
	expires   {code}  NOT NULL,
	used_at   {code},
	used_by   {text}
) {table};

-- The messenger accounts ("telegram:<chat id>", "whatsapp:+976…") linked to observers;
-- an account is linked to one observer of an election at a time. Sensitive.
CREATE TABLE messenger_links (
	election {code} NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	address  {code} NOT NULL,
	observer {code} NOT NULL,
	linked   {code} NOT NULL,
	PRIMARY KEY (election, address)
) {table};
