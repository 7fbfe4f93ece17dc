package ledger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"time"

	"github.com/iltod/iltod"
)

// memEvents is a small, real events source for tests: a slice of events (event i+1 at
// position i) and their log marks, with the store contract's rules.
type memEvents struct {
	mu    sync.Mutex
	evs   []iltod.Event
	envs  [][]byte
	marks map[uint64]uint64
}

func newMemEvents() *memEvents { return &memEvents{marks: map[uint64]uint64{}} }

// addReport stores an accepted report with the given envelope and returns its event.
func (m *memEvents) addReport(election string, envelope []byte) iltod.Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	ev := iltod.Event{
		Seq: uint64(len(m.evs) + 1), Election: election, Kind: iltod.EventReport,
		Subject: fmt.Sprintf("r%07d", len(m.evs)+1), Hash: sha256.Sum256(envelope),
		Time: time.Date(2024, 6, 28, 14, 0, len(m.evs), 0, time.UTC),
	}
	m.evs = append(m.evs, ev)
	m.envs = append(m.envs, envelope)
	return ev
}

// addStaff stores a staff event.
func (m *memEvents) addStaff(election string, detail string) iltod.Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	ev := iltod.Event{
		Seq: uint64(len(m.evs) + 1), Election: election, Kind: iltod.EventStaff,
		Subject: "staff", Hash: sha256.Sum256([]byte(detail)), Time: time.Now().UTC(),
	}
	m.evs = append(m.evs, ev)
	m.envs = append(m.envs, nil)
	return ev
}

func (m *memEvents) Unlogged(_ context.Context, limit int) ([]iltod.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []iltod.Event
	for _, ev := range m.evs {
		if _, ok := m.marks[ev.Seq]; !ok {
			out = append(out, ev)
			if len(out) == limit {
				break
			}
		}
	}
	return out, nil
}

func (m *memEvents) MarkLogged(_ context.Context, marks []iltod.LogMark) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, mk := range marks {
		if mk.Seq == 0 || mk.Seq > uint64(len(m.evs)) {
			return iltod.Errorf(iltod.ENotFound, "no event %d", mk.Seq)
		}
		if old, ok := m.marks[mk.Seq]; ok && old != mk.Index {
			return iltod.Errorf(iltod.EConflict, "event %d is at %d, not %d", mk.Seq, old, mk.Index)
		}
	}
	for _, mk := range marks {
		m.marks[mk.Seq] = mk.Index
	}
	return nil
}

func (m *memEvents) LastSeq(context.Context) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return uint64(len(m.evs)), nil
}

// mark returns the log index of event seq, if marked.
func (m *memEvents) mark(seq uint64) (uint64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, ok := m.marks[seq]
	return i, ok
}

// dropMarks forgets the marks of events from seq on, as if the process had died after
// appending them to the log and before recording it in the store.
func (m *memEvents) dropMarks(from uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for s := range m.marks {
		if s >= from {
			delete(m.marks, s)
		}
	}
}

func (m *memEvents) event(seq uint64) iltod.Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.evs[seq-1]
}

func (m *memEvents) envelope(seq uint64) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.envs[seq-1]
}

var _ Events = (*memEvents)(nil)

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
