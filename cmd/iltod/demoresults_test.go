package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/analysis"
	"github.com/iltod/iltod/internal/auth"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/official"
	"github.com/iltod/iltod/internal/simulate"
	"github.com/iltod/iltod/locales"
	"github.com/iltod/iltod/stats/pvt"
)

// TestDemoFindsTampering runs the demo's election day (on a short clock) and checks what
// the issue asks of it: the PVT sample is drawn and stored, the simulated official results
// are imported, and the analysis — over the public API — finds the tampered stations and
// the tampered region, and nothing else, while its estimates cover the true results. The
// public downloads name no observer.
func TestDemoFindsTampering(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates election day")
	}
	d := simulatedDemo(t)
	m, tampered := d.m, slices.Clone(d.tampered)
	t.Logf("demo output:\n%s", d.out)

	base := m.URL() + "api/v1/elections/" + demo.ElectionID
	var rep analysis.Report
	getJSON(t, base+"/analysis?contest="+demoContest, &rep)
	if rep.Sample == nil || rep.Sample.Size != demoSampleSize || rep.Official == nil {
		t.Fatalf("sample %+v, official %+v", rep.Sample, rep.Official)
	}
	c := rep.Contests[0]
	top := c.Areas[0]

	// The tampered stations are exactly the largest discrepancies.
	slices.Sort(tampered)
	if len(tampered) != demoStations || len(top.Comparison.Match.Worst) < demoStations {
		t.Fatalf("tampered %v, flagged %v", tampered, top.Comparison.Match.Worst)
	}
	var worst []string
	for _, d := range top.Comparison.Match.Worst[:len(tampered)] {
		worst = append(worst, d.Station)
	}
	slices.Sort(worst)
	if !slices.Equal(worst, tampered) {
		t.Errorf("largest discrepancies %v, want the tampered stations %v", worst, tampered)
	}
	// The tampered region is found, as a collation problem, and no other region is.
	for _, ar := range c.Areas[1:] {
		if ar.Comparison == nil {
			continue
		}
		bad := ar.Comparison.Verdict == pvt.Inconsistent
		if bad != (ar.Area == demoRegion) {
			t.Errorf("region %s: comparison %s: %s", ar.Area, ar.Comparison.Verdict, ar.Comparison.Note)
		}
		if ar.Area == demoRegion {
			collation := false
			for _, ct := range ar.Comparison.Choices {
				collation = collation || (ct.Collation != nil && ct.Collation.Verdict == pvt.Inconsistent && ct.Paired.Verdict == pvt.Consistent)
			}
			if !collation {
				t.Errorf("region %s: no choice diagnosed as a collation problem", ar.Area)
			}
		}
	}
	// The PVT, from observers' reports over HTTP, covers the true national shares.
	p, err := electionpkg.Read(demo.Package())
	if err != nil {
		t.Fatal(err)
	}
	truth := simulate.Truth(p, simulate.DefaultSeed).Total(demoContest)
	misses := 0
	for k, code := range c.Choices {
		share := float64(truth.Votes[code]) / float64(truth.Valid)
		if e := top.PVT.Shares[k]; share < e.Low99 || share > e.High99 {
			misses++
			t.Logf("%s: true share %.4f outside [%.4f, %.4f]", code, share, e.Low99, e.High99)
		}
	}
	if misses > 1 {
		t.Errorf("%d of %d true shares outside the PVT's 99%% intervals", misses, len(c.Choices))
	}

	// Downloads: the official NIST report validates against the schema; nothing public
	// names an observer.
	nist := get(t, base+"/official/latest?format=nist")
	if err := official.ValidateNIST("official.json", nist); err != nil {
		t.Errorf("official NIST download: %v", err)
	}
	observedCSV := get(t, base+"/observed?format=csv")
	rows, err := csv.NewReader(bytes.NewReader(observedCSV)).ReadAll()
	if err != nil || len(rows) < 1000 {
		t.Errorf("observed CSV: %d rows, %v", len(rows), err)
	}
	if err := official.ValidateNIST("observed.json", get(t, base+"/observed?format=nist")); err != nil {
		t.Errorf("observed NIST download: %v", err)
	}
	public := [][]byte{nist, observedCSV, get(t, base+"/comparison?format=csv"), get(t, base+"/analysis?levels=all"), get(t, base+"/analysis/forensics"), get(t, base+"/analysis/seats")}
	// A fictional observer may share a name with a fictional candidate: such a name is
	// public anyway and proves nothing.
	pub := *p
	pub.Observers = nil
	pubJSON, err := json.Marshal(pub)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range p.Observers {
		for _, needle := range append([]string{o.Name}, o.Phones...) {
			if len(needle) < 6 || bytes.Contains(pubJSON, []byte(needle)) {
				continue
			}
			for i, body := range public {
				if bytes.Contains(body, []byte(needle)) {
					t.Fatalf("public download %d names observer %s", i, o.Code)
				}
			}
		}
	}
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	return getWith(t, http.DefaultClient, url)
}

// demoDay is the demo after its simulated election day, shared by the tests that need one
// (it takes a minute under the race detector): the sample drawn, ~7,200 reports accepted,
// the tampered official results imported. Tests may add to it (a resolution, a clerk
// entry) but must not rely on being first.
type demoDay struct {
	m        *Main
	tampered []string
	out      string
	logs     *syncBuffer // the server's warnings and errors
	err      error
}

var (
	demoDayOnce sync.Once
	sharedDay   *demoDay
)

// simulatedDemo returns the shared demo day, simulating it on first use.
func simulatedDemo(t *testing.T) *demoDay {
	t.Helper()
	demoDayOnce.Do(func() {
		d := &demoDay{logs: &syncBuffer{}}
		sharedDay = d
		dir, err := os.MkdirTemp("", "iltod-demo-day-")
		if err != nil {
			d.err = err
			return
		}
		d.m = &Main{
			Config: ServeConfig{Store: StoreConfig{DataDir: dir}, Addr: "127.0.0.1:0", Origin: DemoOrigin},
			Logger: slog.New(slog.NewTextHandler(d.logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
		}
		ctx := context.Background()
		if d.err = d.m.Open(ctx); d.err != nil {
			return
		}
		d.m.App.SetPasswordParams(auth.TestParams)
		if _, d.err = loadDemo(ctx, d.m); d.err != nil {
			return
		}
		if d.err = d.m.Serve(ctx); d.err != nil {
			return
		}
		var out bytes.Buffer
		d.tampered, d.err = simulateElectionDay(ctx, locales.For("en"), d.m, 4*time.Second, &out)
		d.out = out.String()
	})
	if sharedDay.err != nil {
		t.Fatalf("simulating the demo's election day: %v\n%s", sharedDay.err, sharedDay.out)
	}
	return sharedDay
}

// TestMain closes the shared demo day, if a test made one, after every test has run.
// A bench run's reader process is this binary too (see readersMain).
func TestMain(m *testing.M) {
	if code, ran := readersMain(context.Background(), os.Stdin, os.Stdout, os.Stderr); ran {
		os.Exit(code)
	}
	code := m.Run()
	if sharedDay != nil && sharedDay.m != nil {
		sharedDay.m.Close()
		os.RemoveAll(sharedDay.m.Config.Store.DataDir)
	}
	if sharedObserve != nil {
		sharedObserve.close()
	}
	os.Exit(code)
}
