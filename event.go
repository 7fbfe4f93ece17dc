package iltod

import (
	"context"
	"encoding/json"
	"time"
)

// EventKind names what an event records. Kinds are public: they appear in log leaves.
type EventKind string

// The event kinds.
const (
	// EventReport is the acceptance of a report; its Hash is the SHA-256 of the envelope.
	EventReport EventKind = "report"
	// EventReview is a review decision on a report or a station record: verify, reject,
	// quarantine, or resolve a conflict. Its Hash is the SHA-256 of Detail.
	EventReview EventKind = "review"
	// EventDevice is a device enrolled or revoked. Its Hash is the SHA-256 of Detail.
	EventDevice EventKind = "device"
	// EventStaff is any other staff action that changes data. Its Hash is the SHA-256 of Detail.
	// A change to a staff account (AdminStore.CreateStaff, UpdateStaff) is one too: its
	// Election is "", since accounts belong to no election, and its Subject is
	// "staff/LOGIN" (StaffSubject).
	EventStaff EventKind = "staff"
	// EventImport is the import of a release of official results. Its Subject is
	// "official/VERSION" and its Hash is OfficialDigest of the release and its results, so
	// that the log commits to exactly what was imported; Detail (who imported what file) is
	// not covered by the hash.
	EventImport EventKind = "import"
	// EventSample is the saving of a PVT sample for an election (AdminStore.SaveSample).
	// Its Subject is "sample/VERSION" (SampleSubject) and its Hash is the SHA-256 of the
	// sample's canonical JSON, so that the log shows which stations were drawn before any
	// result was known; Detail (who saved it, and why) is not covered by the hash.
	EventSample EventKind = "sample"
)

// Event is one change to an election's data, in the order the store accepted it. The
// store keeps every field; the log receives only the public leaf (see package tlog): the
// kind, the election, the sequence number and the hash. Detail is private: it may name
// staff and carry reasons, and is published only by the organisation's choice.
type Event struct {
	// Seq is assigned by the store: 1, 2, 3 … across all elections, without gaps, in
	// commit order. The log's order follows it.
	Seq uint64 `json:"seq"`
	// Election is the election whose data the event changes, or "" for an event of the
	// installation as a whole: a change to a staff account. Only stores' admin methods
	// (AdminStore) write events with the Election "".
	Election string    `json:"election"`
	Kind     EventKind `json:"kind"`
	// Subject is what the event is about: a report id, a device key id, or
	// "STATION/FORM" for a station record.
	Subject string `json:"subject"`
	// Hash is what the log commits to.
	Hash [32]byte  `json:"hash"`
	Time time.Time `json:"time"`
	// Detail is the canonical JSON of the event's content, for kinds other than report.
	Detail json.RawMessage `json:"detail,omitempty"`
	// LogIndex is the event's index in the log, once the sequencer has appended it.
	LogIndex *uint64 `json:"log_index,omitempty"`
}

// Enrollment is a one-time code a coordinator issues so that an observer's device can
// bind its key. The store keeps only the SHA-256 of the code.
type Enrollment struct {
	CodeHash [32]byte  `json:"code_hash"`
	Election string    `json:"election"`
	Observer string    `json:"observer"`
	Issued   time.Time `json:"issued"`
	Expires  time.Time `json:"expires"`
	// IssuedBy is the staff login that issued the code, or "system".
	IssuedBy string `json:"issued_by"`
}

// AcceptOutcome says what AcceptReports did with one submission.
type AcceptOutcome uint8

// The outcomes of accepting a submission.
const (
	// Accepted: the submission is new and is now stored with its acceptance event.
	Accepted AcceptOutcome = iota + 1
	// Duplicate: a submission with the same election, id and envelope hash was already
	// stored; nothing changed, and the stored one is returned.
	Duplicate
	// Conflicting: a submission with the same election and id but another envelope hash
	// is stored; nothing changed.
	Conflicting
)

// AcceptResult is the outcome for one submission passed to AcceptReports.
type AcceptResult struct {
	Outcome AcceptOutcome
	// Stored is the submission as stored: the new one with its Seq set, or the earlier one.
	Stored Submission
}

// SubmissionQuery selects submissions of one election. Empty fields do not filter.
type SubmissionQuery struct {
	Station string
	Form    string
	// AfterSeq, if set, starts after the submission with this Seq; results are in Seq order.
	AfterSeq uint64
	// Limit caps the number returned; 0 means DefaultSubmissionLimit, and it is never
	// above MaxSubmissionLimit.
	Limit int
}

// Limits on one page of submissions.
const (
	DefaultSubmissionLimit = 1000
	MaxSubmissionLimit     = 10_000
)

// EffectiveLimit returns the limit a store applies for q.
func (q SubmissionQuery) EffectiveLimit() int {
	switch {
	case q.Limit <= 0:
		return DefaultSubmissionLimit
	case q.Limit > MaxSubmissionLimit:
		return MaxSubmissionLimit
	}
	return q.Limit
}

// Resolution is a reviewer's decision on a conflicting field of a station record.
type Resolution struct {
	Election string `json:"election"`
	Station  string `json:"station"`
	Form     string `json:"form"`
	Tag      string `json:"tag"`
	Value    Value  `json:"value"`
	// Seq is the review event that made the decision; a later one supersedes it.
	Seq uint64 `json:"seq"`
}

// LogMark records that the event with sequence number Seq is at Index in the log.
type LogMark struct {
	Seq   uint64
	Index uint64
}

// IntakeStore keeps devices, reports, review decisions and the events that the log
// commits to. Every method that changes data also appends its Event in the same
// transaction, so that the store and the log can never disagree about what happened.
// The store assigns the event's Seq and sets its Election to that of the record changed;
// it keeps times to the nanosecond and returns them in UTC. Events are never deleted.
// Implementations are safe for concurrent use; errors follow Store's conventions.
type IntakeStore interface {
	// CreateEnrollment stores a one-time enrollment code (its hash) with its event.
	CreateEnrollment(ctx context.Context, e Enrollment, ev Event) error
	// ClaimEnrollment consumes the code with the given hash and stores d, bound to the
	// code's observer, with its event, in one transaction. It returns ENotFound for an
	// unknown code, EConflict for a code already used or expired at d.Enrolled, and
	// EConflict if the key is already enrolled. d.Election and d.Observer, and
	// ev.Election, are set from the code. The returned Device is as stored. A claim of a
	// code that the same key already used returns that device and changes nothing, so a
	// phone that lost the answer can simply try again.
	ClaimEnrollment(ctx context.Context, codeHash [32]byte, d Device, ev Event) (Device, error)
	// Device returns the device with the given key id.
	Device(ctx context.Context, keyID string) (Device, error)
	// Devices returns the devices of one observer, or of every observer when observer is "".
	Devices(ctx context.Context, election, observer string) ([]Device, error)
	// RevokeDevice marks the device revoked at ev.Time with its event. Revoking twice
	// is EConflict.
	RevokeDevice(ctx context.Context, keyID string, ev Event) error

	// AcceptReports stores the new submissions among subs, each with an acceptance event
	// (Kind EventReport, Subject the report id, Hash the envelope hash, Time Received),
	// durably, in one transaction: when it returns nil every Accepted submission is on
	// disk. Results are in the order of subs. A submission repeated within subs is
	// treated as if the first were already stored.
	AcceptReports(ctx context.Context, subs []Submission) ([]AcceptResult, error)
	// Submission returns one stored submission. An empty election matches any election;
	// if the id is stored in more than one, it returns EConflict.
	Submission(ctx context.Context, election, id string) (Submission, error)
	// SubmissionLogIndex returns the log index of a stored submission's acceptance
	// event, nil while the log has not appended it; it finds the submission as
	// Submission does, with the same errors. It is what a receipt's proof needs,
	// without reading the submission.
	SubmissionLogIndex(ctx context.Context, election, id string) (*uint64, error)
	// Submissions returns the submissions q selects, in Seq order.
	Submissions(ctx context.Context, election string, q SubmissionQuery) ([]Submission, error)
	// SetStatus sets a submission's review status, with its event.
	SetStatus(ctx context.Context, election, id string, status ReviewStatus, ev Event) error
	// Resolve records a resolution of one field of a station record, with its event; its
	// Seq is set from the event.
	Resolve(ctx context.Context, r Resolution, ev Event) error
	// Resolutions returns the resolutions for a station and form, latest last; with station
	// and form both "", every resolution of the election, by station, form and then Seq.
	Resolutions(ctx context.Context, election, station, form string) ([]Resolution, error)
	// AddEvent appends a staff event that changes nothing else.
	AddEvent(ctx context.Context, ev Event) (Event, error)

	// Event returns the event with the given sequence number.
	Event(ctx context.Context, seq uint64) (Event, error)
	// Unlogged returns up to limit events that have no log index, in Seq order.
	Unlogged(ctx context.Context, limit int) ([]Event, error)
	// MarkLogged records log indexes. Marking an event twice with the same index is a
	// no-op; with another index it is EConflict (the log would hold a fact twice).
	MarkLogged(ctx context.Context, marks []LogMark) error
	// LastSeq returns the highest event sequence number, 0 if there is none.
	LastSeq(ctx context.Context) (uint64, error)
}
