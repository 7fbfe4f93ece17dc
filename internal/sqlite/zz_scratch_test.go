package sqlite

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/iltod/iltod/internal/storetest"
	"github.com/iltod/iltod/internal/synth"
)

func cpu() time.Duration {
	var r syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &r)
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

func TestScratchPhases(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := synth.Package(500, 1)
	if err := s.CreateElection(t.Context(), p, false); err != nil {
		t.Fatal(err)
	}
	var enc, encCPU, total, totalCPU time.Duration
	const n = 200
	for i := range n {
		subs := storetest.Submissions(p, 500, uint64(i))
		t0, c0 := time.Now(), cpu()
		if _, err := encodeSubmissions(subs); err != nil {
			t.Fatal(err)
		}
		enc += time.Since(t0)
		encCPU += cpu() - c0
		t0, c0 = time.Now(), cpu()
		if _, err := s.AcceptReports(t.Context(), subs); err != nil {
			t.Fatal(err)
		}
		total += time.Since(t0)
		totalCPU += cpu() - c0
	}
	t.Logf("per batch: encode %v (cpu %v), AcceptReports %v (cpu %v)", enc/n, encCPU/n, total/n, totalCPU/n)
}
