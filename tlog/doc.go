// Package tlog is how anyone checks iltod's public log: receipts, envelopes, datasets and
// the log's consistency, offline, with the same code the server uses.
//
// The log is a C2SP transparency log (c2sp.org/tlog-tiles, tlog-checkpoint,
// tlog-witness, tlog-proof), written by github.com/transparency-dev/tessera. Each leaf
// is small and public: the canonical JSON {"e": election, "h": hex hash, "n": sequence
// number, "t": kind} of one event (see Leaf) — never a report's content, never who sent
// it. The leaf at index i has sequence number i+1, so a gap or a repeat is visible.
//
// A Verifier holds what a verifier trusts: the log's verifier key and, optionally, a
// witness policy (see Policy). With it one checks a promise (Promise, given at once on
// acceptance), a full receipt (Receipt, a tlog-proof), an envelope against its
// receipt, and two checkpoints against each other (VerifyConsistency). VerifyDataset
// checks a whole published dataset (see WriteDataset and docs/log.md).
//
// Every failed check returns an *Error whose Failure says what failed and whose
// Evidence holds the exact bytes that show it.
package tlog

import "encoding/base64"

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
