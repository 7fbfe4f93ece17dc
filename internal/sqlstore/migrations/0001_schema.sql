-- 0001: the schema, for SQLite and PostgreSQL alike. Each word in braces is spelled for
-- the database (the replacers in sqlite.go and postgres.go): code is text compared byte
-- by byte (TEXT; text COLLATE "C"); text, int, int64 and bool are text, a 32-bit and a
-- 64-bit integer and a boolean; bytes a byte string (BLOB; bytea); json and jsonb JSON
-- kept as text (TEXT; json, jsonb); table, keyed and wide a table's options (STRICT, and
-- WITHOUT ROWID for keyed; nothing, and a toast_tuple_target for wide); release_fk the
-- foreign key from an official result to its release, which SQLite checks for free and
-- PostgreSQL does without. 0001_schema.<dialect>.sql adds the triggers, which each
-- database spells its own way.
--
-- Each record of an election keeps its full encoding/json form in doc, so that a field
-- added to a domain type later needs no migration; the other columns are only what
-- queries need. Times are text in UTC with nine fractional digits,
-- 2024-06-28T20:15:00.123456789Z: the store keeps them to the nanosecond, and the fixed
-- width makes text order time order. Hashes are 32 bytes.

CREATE TABLE elections (
	id   {code}  NOT NULL PRIMARY KEY,
	date {code}  NOT NULL, -- YYYY-MM-DD, for ordering
	doc  {jsonb} NOT NULL
) {table};

-- Every table of an election's records is keyed by (election, code) and deleted with its
-- election. path is the chain of codes from the country down to the area itself, each
-- followed by a slash: /MN/MN-UB/UB-BZD/. Codes cannot hold a slash, so the areas at or
-- below an area are exactly those whose path starts with its path.
CREATE TABLE areas (
	election {code}  NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	seq      {int}   NOT NULL, -- load order
	code     {code}  NOT NULL,
	parent   {code}  NOT NULL, -- '' for the country
	level    {text}  NOT NULL,
	path     {code}  NOT NULL,
	doc      {jsonb} NOT NULL,
	PRIMARY KEY (election, code),
	UNIQUE (election, seq)
) {table};

-- path is the path of the station's area.
CREATE TABLE stations (
	election   {code}  NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	code       {code}  NOT NULL,
	area       {code}  NOT NULL,
	path       {code}  NOT NULL,
	registered {int}   NOT NULL,
	stratum    {text}  NOT NULL,
	doc        {jsonb} NOT NULL,
	PRIMARY KEY (election, code)
) {table};

CREATE INDEX stations_path ON stations (election, path, code);

CREATE TABLE contests (
	election {code}  NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	seq      {int}   NOT NULL,
	code     {code}  NOT NULL,
	system   {text}  NOT NULL, -- the kind of electoral system
	doc      {jsonb} NOT NULL,
	PRIMARY KEY (election, code),
	UNIQUE (election, seq)
) {table};

CREATE TABLE observers (
	election {code}  NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	seq      {int}   NOT NULL,
	code     {code}  NOT NULL,
	doc      {jsonb} NOT NULL,
	PRIMARY KEY (election, code),
	UNIQUE (election, seq)
) {table};

CREATE TABLE forms (
	election {code}  NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	code     {code}  NOT NULL,
	version  {int}   NOT NULL,
	doc      {jsonb} NOT NULL,
	PRIMARY KEY (election, code, version)
) {table};

-- The events the log commits to, of elections and, with the election '', of the
-- installation as a whole (a change to a staff account). events is append-only: triggers
-- refuse any DELETE (or TRUNCATE) and any UPDATE but setting a missing log index. An event
-- names an existing election or ''; an election that has events can be neither deleted
-- nor given another id (the store says so with EConflict before the database has to).
-- Triggers rather than a foreign key, which '' could not satisfy. Writers number events
-- max(seq)+1 while no other writer can (see the store's package documentation).
CREATE TABLE events (
	seq       {int64}  NOT NULL PRIMARY KEY CHECK (seq > 0), -- 1, 2, 3 … across all elections, without gaps
	election  {code}   NOT NULL,
	kind      {code}   NOT NULL,
	subject   {code}   NOT NULL,
	hash      {bytes}  NOT NULL CHECK (length(hash) = 32),
	time      {code}   NOT NULL,
	detail    {bytes},          -- canonical JSON, kept byte for byte: Hash may cover it
	log_index {int64}  CHECK (log_index >= 0) -- NULL until the sequencer has appended the event
) {table};

-- The events the sequencer has yet to append: few, and read in seq order.
CREATE INDEX events_unlogged ON events (seq) WHERE log_index IS NULL;
-- A log index is one event's (partial: new events, with none, cost the index nothing).
CREATE UNIQUE INDEX events_log_index ON events (log_index) WHERE log_index IS NOT NULL;
CREATE INDEX events_election ON events (election);

-- Every table below but official results and samples is deleted with its election; since
-- each of their rows is written with an event, that happens only to an election that has
-- none of them.

-- One row per enrolled device key. revoked is NULL while the key is valid.
CREATE TABLE devices (
	key_id     {code}  NOT NULL PRIMARY KEY, -- hex SHA-256 of public_key
	election   {code}  NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	observer   {code}  NOT NULL,
	public_key {bytes} NOT NULL,
	enrolled   {code}  NOT NULL,
	revoked    {code}
) {table};

CREATE INDEX devices_observer ON devices (election, observer, enrolled);

-- One-time enrollment codes, by the SHA-256 of the code. used_at and used_by_key are set,
-- together and once, when a device claims the code.
CREATE TABLE enrollments (
	code_hash   {bytes} NOT NULL PRIMARY KEY CHECK (length(code_hash) = 32),
	election    {code}  NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	observer    {code}  NOT NULL,
	issued      {code}  NOT NULL,
	expires     {code}  NOT NULL,
	issued_by   {text}  NOT NULL,
	used_at     {code},
	used_by_key {code}
) {table};

CREATE INDEX enrollments_observer ON enrollments (election, observer);

-- Accepted reports. report is the Report as JSON; the other columns are the rest of the
-- Submission and what queries select by. seq is the acceptance event's, and on SQLite the
-- rowid, so that new rows are appended at the end of the table. The key (election, id) is
-- declared as (id, election) so that its index also serves a look-up by id alone
-- (Submission with an empty election).
CREATE TABLE submissions (
	seq           {int64} NOT NULL PRIMARY KEY,
	election      {code}  NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	id            {code}  NOT NULL,
	station       {code}  NOT NULL,
	form          {code}  NOT NULL,
	form_version  {int}   NOT NULL,
	observer      {code}  NOT NULL,
	channel       {code}  NOT NULL,
	envelope      {bytes} NOT NULL,
	envelope_hash {bytes} NOT NULL CHECK (length(envelope_hash) = 32),
	device_key    {code}  NOT NULL, -- '' when the channel attests the report
	received      {code}  NOT NULL,
	checks        {json}  NOT NULL, -- array of CheckResult, or null
	status        {code}  NOT NULL,
	report        {json}  NOT NULL,
	UNIQUE (id, election)
) {wide};

CREATE INDEX submissions_station ON submissions (election, station, form, seq);
CREATE INDEX submissions_seq ON submissions (election, seq);

-- Reviewers' decisions on conflicting fields of station records; seq is the review
-- event that made the decision, and a later one supersedes it.
CREATE TABLE resolutions (
	seq      {int64} NOT NULL PRIMARY KEY,
	election {code}  NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
	station  {code}  NOT NULL,
	form     {code}  NOT NULL,
	tag      {code}  NOT NULL,
	value    {json}  NOT NULL -- JSON of the Value
) {table};

CREATE INDEX resolutions_record ON resolutions (election, station, form, seq);

-- Releases of an election's official results, each complete in itself. A release is
-- stored with its import event (seq) in one transaction, and nothing changes or deletes
-- it or its results: triggers refuse it. Neither cascades from elections: an election
-- that has a release has its import event, so it can be neither deleted nor replaced
-- anyway. hash is the release's OfficialDigest, which the import event's hash repeats;
-- results and totals count its station results and area totals.
CREATE TABLE official_releases (
	election  {code}  NOT NULL REFERENCES elections (id),
	version   {int}   NOT NULL CHECK (version > 0),
	seq       {int64} NOT NULL UNIQUE REFERENCES events (seq),
	hash      {bytes} NOT NULL CHECK (length(hash) = 32),
	source    {text}  NOT NULL,
	published {code}  NOT NULL,
	imported  {code}  NOT NULL,
	note      {text}  NOT NULL,
	results   {int}   NOT NULL,
	totals    {int}   NOT NULL,
	PRIMARY KEY (election, version)
) {table};

-- One row per station (official_results) or area (official_totals) and contest of a
-- release. doc is the result's canonical JSON (iltod.AppendResultJSON), the very bytes the
-- release's digest covers. The key orders a release's rows as OfficialResults returns
-- them. The store checks, in the importing transaction, that every station or area,
-- contest and choice exists and that the contest is voted in the area
-- (iltod.CheckResults); there are no foreign keys to stations, areas and contests, which
-- would cost a look-up per row of an import and, on deleting another election's stations,
-- a search of these tables per station.
CREATE TABLE official_results (
	election {code} NOT NULL,
	version  {int}  NOT NULL,
	station  {code} NOT NULL,
	contest  {code} NOT NULL,
	doc      {json} NOT NULL,
	PRIMARY KEY (election, version, station, contest){release_fk}
) {keyed};

CREATE TABLE official_totals (
	election {code} NOT NULL,
	version  {int}  NOT NULL,
	area     {code} NOT NULL,
	contest  {code} NOT NULL,
	doc      {json} NOT NULL,
	PRIMARY KEY (election, version, area, contest){release_fk}
) {keyed};

-- PVT samples. A sample is stored with its event (seq, of kind 'sample') in one
-- transaction, and nothing changes or deletes it: the log commits to its hash, the
-- SHA-256 of sample, the canonical JSON of a stats/pvt.Sample kept byte for byte. Like
-- official_releases it does not cascade from elections.
CREATE TABLE samples (
	election {code}  NOT NULL REFERENCES elections (id),
	version  {int}   NOT NULL CHECK (version > 0),
	seq      {int64} NOT NULL UNIQUE REFERENCES events (seq),
	hash     {bytes} NOT NULL CHECK (length(hash) = 32),
	drawn    {code}  NOT NULL,
	note     {text}  NOT NULL,
	stations {int}   NOT NULL CHECK (stations > 0),
	sample   {bytes} NOT NULL,
	PRIMARY KEY (election, version)
) {table};

-- Staff accounts, which belong to the installation. Every change is stored with its
-- event (kind 'staff', election ''); seq is that of the latest. areas is a JSON array of
-- area codes, sorted, each once; [] for none. password_hash and totp_secret are opaque
-- secrets ('' for none) that no event detail holds.
CREATE TABLE staff (
	login         {code}  NOT NULL PRIMARY KEY,
	name          {text}  NOT NULL,
	role          {code}  NOT NULL CHECK (role IN ('admin', 'coordinator', 'analyst', 'reviewer', 'clerk')),
	areas         {json}  NOT NULL,
	password_hash {text}  NOT NULL,
	totp_secret   {text}  NOT NULL,
	disabled      {bool}  NOT NULL CHECK (disabled IN (false, true)),
	created       {code}  NOT NULL,
	updated       {code}  NOT NULL,
	seq           {int64} NOT NULL REFERENCES events (seq)
) {table};

-- Sign-in sessions, by the SHA-256 of the session token (the token itself is never
-- stored), shared by every instance. Sessions carry no event. Expired ones are deleted
-- when a session is created, by expires; a user's are deleted together, by login.
CREATE TABLE sessions (
	token_hash {bytes} NOT NULL PRIMARY KEY CHECK (length(token_hash) = 32),
	login      {code}  NOT NULL REFERENCES staff (login),
	created    {code}  NOT NULL,
	expires    {code}  NOT NULL,
	csrf       {text}  NOT NULL
) {keyed};

CREATE INDEX sessions_login ON sessions (login);
CREATE INDEX sessions_expires ON sessions (expires);
