package tlog

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Failure classifies why a verification failed.
type Failure string

// The failures. Every one but FailMalformed is an integrity failure: the inputs are well
// formed, and what they say does not hold.
const (
	// FailMalformed: an input cannot be parsed.
	FailMalformed Failure = "malformed"
	// FailSignature: a signature does not verify, is missing, or is by another key or
	// for another origin.
	FailSignature Failure = "signature"
	// FailQuorum: the witness policy's quorum has not cosigned the checkpoint.
	FailQuorum Failure = "quorum"
	// FailInclusion: the inclusion proof does not lead from the leaf to the
	// checkpoint's root.
	FailInclusion Failure = "inclusion"
	// FailLeaf: the leaf is not what it should be: not the envelope's hash, not a
	// report, or numbered other than its index.
	FailLeaf Failure = "leaf"
	// FailConsistency: two checkpoints of the log are not views of one append-only
	// log (a fork), or the tiles do not match a checkpoint.
	FailConsistency Failure = "consistency"
	// FailDataset: a published dataset does not match the log.
	FailDataset Failure = "dataset"
)

// Evidence is one named piece of what a failed verification saw: a checkpoint, a
// proof, a leaf, a hash. Data holds the exact bytes.
type Evidence struct {
	Name string
	Data []byte
}

// Error is a failed verification. Integrity failures carry their Evidence, so that
// whoever finds one can show it to others.
type Error struct {
	Failure  Failure
	Msg      string
	Evidence []Evidence
	// Err, if set, is the underlying cause.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Failure, e.Msg, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Failure, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Key names the message of the catalogue (package locales) that says in words what kind
// of failure e is, for a reader of any language: "error.tlog." followed by the Failure.
// Error, Msg and the Evidence stay as they are, in English: they are the evidence that
// partners compare and parse.
func (e *Error) Key() string { return "error.tlog." + string(e.Failure) }

// Report writes e and its evidence as text: each piece of evidence under its name,
// as text when it is printable UTF-8 and as base64 otherwise.
func (e *Error) Report() string {
	var b strings.Builder
	b.WriteString(e.Error())
	b.WriteString("\n")
	for _, ev := range e.Evidence {
		fmt.Fprintf(&b, "\n--- %s ---\n", ev.Name)
		if printable(ev.Data) {
			b.Write(ev.Data)
			if len(ev.Data) > 0 && ev.Data[len(ev.Data)-1] != '\n' {
				b.WriteString("\n")
			}
		} else {
			fmt.Fprintf(&b, "(base64) %s\n", b64(ev.Data))
		}
	}
	return b.String()
}

func printable(data []byte) bool {
	if !utf8.Valid(data) {
		return false
	}
	for _, r := range string(data) {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return false
		}
	}
	return true
}

func failf(f Failure, format string, args ...any) *Error {
	return &Error{Failure: f, Msg: fmt.Sprintf(format, args...)}
}

func (e *Error) with(name string, data []byte) *Error {
	e.Evidence = append(e.Evidence, Evidence{Name: name, Data: append([]byte(nil), data...)})
	return e
}

func (e *Error) wrap(err error) *Error {
	e.Err = err
	return e
}
