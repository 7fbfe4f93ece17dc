// Package ledgertest is an in-memory source of events for tests of the log: what a store
// gives the ledger (ledger.Events), without a database.
package ledgertest

import (
	"context"
	"slices"
	"sync"

	"github.com/iltod/iltod"
)

// Events holds events in the order appended and the log index each was marked with. The
// zero value is ready to use, and it is safe for concurrent use.
type Events struct {
	mu    sync.Mutex
	evs   []iltod.Event
	marks map[uint64]uint64
}

// Append adds ev with the next Seq (1, 2, …), overriding any Seq it had, and returns it.
func (e *Events) Append(ev iltod.Event) iltod.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	ev.Seq = uint64(len(e.evs) + 1)
	e.evs = append(e.evs, ev)
	return ev
}

// All returns a copy of every event, in Seq order.
func (e *Events) All() []iltod.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.evs)
}

// Index returns the log index seq was marked with, and whether it was.
func (e *Events) Index(seq uint64) (uint64, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	i, ok := e.marks[seq]
	return i, ok
}

// Unlogged returns up to limit events not yet marked, in Seq order.
func (e *Events) Unlogged(_ context.Context, limit int) ([]iltod.Event, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []iltod.Event
	for _, ev := range e.evs {
		if _, ok := e.marks[ev.Seq]; !ok && len(out) < limit {
			out = append(out, ev)
		}
	}
	return out, nil
}

// MarkLogged records the log index of each event marked.
func (e *Events) MarkLogged(_ context.Context, marks []iltod.LogMark) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.marks == nil {
		e.marks = map[uint64]uint64{}
	}
	for _, m := range marks {
		e.marks[m.Seq] = m.Index
	}
	return nil
}

// LastSeq returns the Seq of the last event, or 0.
func (e *Events) LastSeq(context.Context) (uint64, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return uint64(len(e.evs)), nil
}
