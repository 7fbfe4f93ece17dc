package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/tlog"
)

// TestConcurrentReportsShareCommits submits 24 reports at once, one per call as phones
// send them, and checks that they share commits and the log's signatures: at most half
// as many batch notes as reports (one per commit group; a promise signed per report would
// give 24), and that every report's promise verifies with the log's key and names the
// report's own leaf.
func TestConcurrentReportsShareCommits(t *testing.T) {
	m := startDemo(t, TLSConfig{})
	ctx := context.Background()
	pkg, err := electionpkg.Read(demo.Package())
	if err != nil {
		t.Fatal(err)
	}
	priv, station, opening, err := enrollDemoPhone(ctx, m, pkg)
	if err != nil {
		t.Fatal(err)
	}
	const n = 24
	envs := make([][]byte, n+1)
	for k := range envs {
		rep := iltod.Report{ID: fmt.Sprintf("group-%02d", k), Election: demo.ElectionID, Station: station,
			Form: opening.Code, FormVersion: opening.Version, DeviceTime: "2024-06-28T07:00:00+08:00", Answers: probeAnswers(opening)}
		env, err := iltod.SignReport(rep, priv)
		if err != nil {
			t.Fatal(err)
		}
		envs[k] = env.Bytes()
	}
	vkey, err := os.ReadFile(filepath.Join(m.Config.Store.DataDir, "log.vkey"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := tlog.NewVerifier(string(vkey), nil)
	if err != nil {
		t.Fatal(err)
	}
	// The first report warms the caches a phone's first report fills (its device, the
	// election, the form's sheet); the burst is what the committer sees on a busy night.
	if res, err := m.App.Submit(ctx, [][]byte{envs[n]}); err != nil || res[0].Err != nil {
		t.Fatalf("first report: %v %v", err, res[0].Err)
	}
	envs = envs[:n]
	receipts := make([]*app.Receipt, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for k := range envs {
		wg.Go(func() {
			<-start
			res, err := m.App.Submit(ctx, [][]byte{envs[k]})
			if err != nil || res[0].Err != nil {
				t.Errorf("submit %d: %v %v", k, err, res[0].Err)
				return
			}
			receipts[k] = res[0].Receipt
		})
	}
	close(start)
	wg.Wait()
	notes := map[string]int{}
	for k, r := range receipts {
		if r == nil {
			continue
		}
		bp, err := tlog.ParseBatchPromise([]byte(r.Promise))
		if err != nil {
			t.Fatalf("promise %d: %v", k, err)
		}
		notes[string(bp.Note)]++
		p, err := v.VerifyPromise([]byte(r.Promise))
		if err != nil {
			t.Fatalf("promise %d: %v", k, err)
		}
		if p.Seq != r.Seq || fmt.Sprintf("%x", p.LeafData.Hash) != r.Hash {
			t.Errorf("promise %d is for leaf %d %x, the receipt for %d %s", k, p.Seq, p.LeafData.Hash, r.Seq, r.Hash)
		}
	}
	t.Logf("%d reports submitted at once: %d commit groups", n, len(notes))
	if len(notes) > n/2 {
		t.Errorf("%d reports submitted at once took %d batch signatures: the committer did not group them", n, len(notes))
	}
}
