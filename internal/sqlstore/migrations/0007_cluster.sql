-- 0007: what several server instances on one store coordinate through (issue 16;
-- docs/cluster.md). See 0001_schema.sql for the words in braces.
--
-- checkpoints are the log's published checkpoints: note is the signed checkpoint with
-- the witnesses' cosignatures, exactly as served; size the tree size it commits to;
-- signer the instance that signed it. Only the holder of the signer lock writes them,
-- and sizes only grow. Every instance serves the latest one its tiles cover.
CREATE TABLE checkpoints (
	size   {int64} NOT NULL PRIMARY KEY CHECK (size >= 0),
	note   {bytes} NOT NULL,
	signer {text}  NOT NULL,
	time   {code}  NOT NULL
) {keyed};

-- The last TOTP step each login signed in with: a code is good once, on any instance.
CREATE TABLE totp_steps (
	login {code}  NOT NULL PRIMARY KEY,
	step  {int64} NOT NULL
) {keyed};

-- Rate-limit buckets (the generic cell rate algorithm): key is the SHA-256 of the
-- limiter's key (which may hold an address, never stored in clear), tat the bucket's
-- theoretical arrival time in Unix nanoseconds. A bucket whose tat has passed is full
-- and is deleted.
CREATE TABLE rate_limits (
	key {bytes} NOT NULL PRIMARY KEY CHECK (length(key) = 32),
	tat {int64} NOT NULL
) {keyed};
CREATE INDEX rate_limits_tat ON rate_limits (tat);

-- Secrets every instance must share, made at random by the first to ask: the key of the
-- anonymous forms' tokens, so that a form one instance gave is good on another.
CREATE TABLE secrets (
	name  {code}  NOT NULL PRIMARY KEY,
	value {bytes} NOT NULL CHECK (length(value) = 32)
) {keyed};

-- Tokens spent once across all instances (an anonymous form sent twice files one
-- report), until they expire (Unix nanoseconds).
CREATE TABLE spent_tokens (
	id      {bytes} NOT NULL PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
	expires {int64} NOT NULL
) {keyed};
CREATE INDEX spent_tokens_expires ON spent_tokens (expires);
