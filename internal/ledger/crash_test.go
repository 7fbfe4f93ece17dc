package ledger

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/iltod/iltod"
)

// fileEvents is a durable events source for the crash test: n events that exist from
// the start (a store that accepted them before the log ran), and their log marks kept
// in a file that is synced on every MarkLogged, like a store's commit.
type fileEvents struct {
	n     uint64
	slow  bool
	mu    sync.Mutex
	f     *os.File
	marks map[uint64]uint64
}

func crashEvent(seq uint64) iltod.Event {
	return iltod.Event{Seq: seq, Election: "mn-2024", Kind: iltod.EventReport,
		Hash: sha256.Sum256(fmt.Appendf(nil, "envelope %d", seq)), Time: time.Unix(1719583200, 0).UTC()}
}

func openFileEvents(path string, n uint64, slow bool) (*fileEvents, error) {
	fe := &fileEvents{n: n, slow: slow, marks: map[uint64]uint64{}}
	if b, err := os.ReadFile(path); err == nil {
		sc := bufio.NewScanner(bytesReader(b))
		for sc.Scan() {
			var s, i uint64
			line := sc.Text()
			// A line cut short by the kill has no "." at its end: ignore it, as a
			// store ignores a transaction that did not commit.
			if _, err := fmt.Sscanf(line, "%d %d .", &s, &i); err != nil {
				continue
			}
			fe.marks[s] = i
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	fe.f = f
	return fe, nil
}

func (fe *fileEvents) Unlogged(_ context.Context, limit int) ([]iltod.Event, error) {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	var out []iltod.Event
	if fe.slow {
		limit = min(limit, 50) // small steps: more moments to be killed at
	}
	for s := uint64(1); s <= fe.n && len(out) < limit; s++ {
		if _, ok := fe.marks[s]; !ok {
			out = append(out, crashEvent(s))
		}
	}
	return out, nil
}

func (fe *fileEvents) MarkLogged(_ context.Context, marks []iltod.LogMark) error {
	if fe.slow {
		time.Sleep(time.Duration(20+rand.IntN(20)) * time.Millisecond) // a busy store: widen the window
	}
	fe.mu.Lock()
	defer fe.mu.Unlock()
	for _, m := range marks {
		if old, ok := fe.marks[m.Seq]; ok && old != m.Index {
			return iltod.Errorf(iltod.EConflict, "event %d is at %d, not %d", m.Seq, old, m.Index)
		}
	}
	var buf []byte
	for _, m := range marks {
		buf = fmt.Appendf(buf, "%d %d .\n", m.Seq, m.Index)
	}
	if _, err := fe.f.Write(buf); err != nil {
		return err
	}
	if err := fe.f.Sync(); err != nil {
		return err
	}
	for _, m := range marks {
		fe.marks[m.Seq] = m.Index
	}
	return nil
}

func (fe *fileEvents) LastSeq(context.Context) (uint64, error) { return fe.n, nil }

func (fe *fileEvents) marked() int {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	return len(fe.marks)
}

const crashEnv = "ILTOD_LEDGER_CRASH_DIR"

// TestCrashChild is the process that TestCrashRecovery kills; it does nothing alone.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		t.Skip("run by TestCrashRecovery")
	}
	fe, err := openFileEvents(filepath.Join(dir, "marks"), crashEvents, true)
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, dir)
	cfg.PollInterval = 5 * time.Millisecond
	l, err := Open(context.Background(), cfg, fe)
	if err != nil {
		t.Fatal(err)
	}
	_ = l
	time.Sleep(time.Minute) // until killed
}

const crashEvents = 4000

// TestCrashRecovery kills (SIGKILL) a process that is appending events at random
// moments, restarts it, and finally checks that the log holds every event exactly once,
// numbered 1 to n, and that the store's marks are right.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills processes")
	}
	dir := t.TempDir()
	marksFile := filepath.Join(dir, "marks")
	progress := []string{}
	gaps := 0 // kills that fell between an append and its mark
	for round := 0; round < 10 && (round < 4 || gaps < 2); round++ {
		t0 := time.Now()
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(150+rand.IntN(250)) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		fe, err := openFileEvents(marksFile, crashEvents, false)
		if err != nil {
			t.Fatal(err)
		}
		// The log's integrated size (Tessera's private tree state), to show whether
		// the kill fell between an append and its mark.
		var ts struct{ Size uint64 }
		if b, err := os.ReadFile(filepath.Join(dir, "log", ".state", "treeState")); err == nil {
			json.Unmarshal(b, &ts)
		}
		if uint64(fe.marked()) < ts.Size {
			gaps++
		}
		progress = append(progress, fmt.Sprintf("%d/%d (%v)", fe.marked(), ts.Size, time.Since(t0).Round(time.Millisecond)))
		fe.f.Close()
	}
	t.Logf("after each kill, events marked in the store / leaves in the log: %v of %d", progress, crashEvents)
	if gaps == 0 {
		t.Log("no kill fell between an append and its mark this time; TestRestartRecovery covers that case")
	}

	fe, err := openFileEvents(marksFile, crashEvents, false)
	if err != nil {
		t.Fatal(err)
	}
	defer fe.f.Close()
	cfg := testConfig(t, dir)
	start := time.Now()
	l := openLedger(t, cfg, fe)
	t.Logf("open: %v", time.Since(start))
	ctx := testCtx(t, 30*time.Second)
	if _, err := l.AwaitProof(ctx, crashEvents-1); err != nil {
		t.Fatal(err)
	}
	t.Logf("proof: %v", time.Since(start))
	checkLeaves(t, cfg.Dir, l.VerifierKey(), crashEvents)
	for s := uint64(1); s <= crashEvents; s++ {
		if i, ok := fe.marks[s]; !ok || i != s-1 {
			t.Fatalf("event %d marked at %d (%v), want %d", s, i, ok, s-1)
		}
	}
}
