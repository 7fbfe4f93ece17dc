package iltod

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/iltod/iltod/canonjson"
)

// MaxSampleSize bounds the bytes of the canonical JSON of a saved sample. A sample of
// every station of a national election, with reserves, takes well under 1 MiB.
const MaxSampleSize = 16 << 20

// SampleRecord is one PVT sample saved with its election: the stations drawn for a parallel
// vote tabulation, kept so that the estimate can later be computed from exactly this
// sample and so that the log shows it was fixed before any result was known. An election
// may have several samples (a draw repeated with another frame, say); each is kept, and
// the latest is the one in force.
//
// The sample itself is opaque here: Sample holds the canonical JSON of a
// stats/pvt.Sample, which the root package does not import. Anyone holding the record can
// check its Hash, and, with stats/pvt and the frame, redraw it.
type SampleRecord struct {
	Election string `json:"election"`
	// Version is assigned by the store: 1 for the election's first sample, then 2, 3 …
	Version int `json:"version"`
	// Drawn is when the sample was saved; the store sets it to its event's time.
	Drawn time.Time `json:"drawn"`
	// Note is free text from the person who saved the sample, e.g. why it was drawn again.
	Note string `json:"note,omitempty"`
	// Sample is the canonical JSON (package canonjson) of a stats/pvt.Sample, a JSON
	// object; stores keep it byte for byte.
	Sample json.RawMessage `json:"sample"`
	// Stations is the number of stations drawn, reserves included, as the caller counted
	// them from the sample; the store keeps it for listings and does not read Sample.
	Stations int `json:"stations"`
	// Seq is the sequence number of the sample's event; the store sets it.
	Seq uint64 `json:"seq"`
	// Hash is the SHA-256 of Sample, which the event's Hash repeats and the log commits
	// to; the store sets it.
	Hash [32]byte `json:"hash"`
}

// Validate checks the fields a caller gives: the election id; a Version that is not
// negative; a Note of at most MaxNoteLen characters (new lines and tabs allowed); a
// Stations of at least 1; and a Sample that is a JSON object in canonical form of at most
// MaxSampleSize bytes. It returns nil or Problems.
func (r *SampleRecord) Validate() error {
	var ps problems
	if !ValidElectionID(r.Election) {
		ps.msg("election", "error.package.bad_election_id", "Value", strconv.Quote(truncate(r.Election, 70)))
	}
	if r.Version < 0 {
		ps.msg("version", "error.package.not_negative")
	}
	if msg := checkString(strings.NewReplacer("\n", " ", "\t", " ").Replace(r.Note), MaxNoteLen); msg.Key != "" {
		ps.put("note", msg)
	}
	if r.Stations < 1 {
		ps.msg("stations", "error.package.stations_at_least_1")
	}
	switch {
	case len(r.Sample) == 0:
		ps.msg("sample", "error.package.required")
	case len(r.Sample) > MaxSampleSize:
		ps.msg("sample", "error.package.too_many_bytes", "Size", len(r.Sample), "Max", MaxSampleSize)
	case r.Sample[0] != '{':
		ps.msg("sample", "error.package.json_object")
	default:
		if err := canonjson.Check(r.Sample); err != nil {
			ps.msg("sample", "error.package.canonical_json", "Err", err)
		}
	}
	return ps.list.Err()
}

// SampleSubject returns the Subject of the event of a saved sample: "sample/VERSION".
func SampleSubject(version int) string { return "sample/" + strconv.Itoa(version) }
