package official

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/sqlstore"
)

func openStore(t *testing.T) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "iltod.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// demoCSV returns the official results of every station of the demonstration election
// as a long CSV file, with figures drawn from seed, and the results it holds. Each
// station votes in its constituency (block vote: each voter marks up to the seats) and the
// national list; every result gives registered, issued, cast, valid and invalid ballots.
func demoCSV(p *iltod.Package, seed uint64) (string, []iltod.StationResult) {
	rng := rand.New(rand.NewPCG(seed, 2024))
	ix := iltod.NewResultIndex(p)
	var b strings.Builder
	b.WriteString("station,contest,choice,votes\n")
	var want []iltod.StationResult
	for _, st := range p.Stations {
		for _, c := range p.Contests {
			if !ix.VotesIn(st.Code, c.Code) {
				continue
			}
			issued := st.Registered * (55 + rng.IntN(25)) / 100
			cast := issued - rng.IntN(3)
			invalid := rng.IntN(cast/40 + 1)
			valid := cast - invalid
			r := iltod.StationResult{Station: st.Code, Contest: c.Code, Votes: map[string]int{},
				Counts: map[iltod.CountKind]int{iltod.CountRegistered: st.Registered, iltod.CountIssued: issued,
					iltod.CountCast: cast, iltod.CountValid: valid, iltod.CountInvalid: invalid}}
			for _, k := range iltod.ResultCounts {
				if n, ok := r.Counts[k]; ok {
					fmt.Fprintf(&b, "%s,%s,%s,%d\n", st.Code, c.Code, k, n)
				}
			}
			marks := valid
			if c.System.Kind == iltod.BlockVote {
				marks = valid * c.Seats * (70 + rng.IntN(30)) / 100
			}
			weights := make([]int, len(c.Choices))
			sum := 0
			for i := range weights {
				weights[i] = 1 + rng.IntN(100)
				sum += weights[i]
			}
			for i, ch := range c.Choices {
				v := min(marks*weights[i]/sum, valid)
				r.Votes[ch.Code] = v
				fmt.Fprintf(&b, "%s,%s,%s,%d\n", st.Code, c.Code, ch.Code, v)
			}
			want = append(want, r)
		}
	}
	return b.String(), want
}

func sorted(rs []iltod.StationResult) []iltod.StationResult {
	out := clones(rs)
	iltod.SortResults(out)
	return out
}

// TestDemoImport imports official results of all 2,223 stations of the demonstration
// election, in two releases, and reads each back; then exports the second as NIST JSON
// and imports that as a third.
func TestDemoImport(t *testing.T) {
	p, err := electionpkg.Read(demo.Package())
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Stations) != 2223 {
		t.Fatalf("the demo has %d stations; the test expects 2,223", len(p.Stations))
	}
	ctx := t.Context()
	s := openStore(t)
	if err := s.CreateElection(ctx, p, false); err != nil {
		t.Fatal(err)
	}
	id := p.Election.ID
	published := time.Date(2024, 6, 29, 10, 0, 0, 0, time.UTC)

	text1, want1 := demoCSV(p, 1)
	start := time.Now()
	rs1, err := ReadCSV(strings.NewReader(text1), "gec-2024-06-29.csv", p, Mapping{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("read %d results (%d lines, %d KB) in %v", len(rs1), strings.Count(text1, "\n"), len(text1)>>10, time.Since(start))
	if len(rs1) != 2*2223 || !reflect.DeepEqual(rs1, want1) {
		t.Fatalf("ReadCSV gave %d results, not the %d written", len(rs1), len(want1))
	}
	ev := iltod.Event{Time: published.Add(time.Hour), Detail: []byte(`{"file":"gec-2024-06-29.csv"}`)}
	rel1, err := s.ImportOfficial(ctx, iltod.OfficialRelease{Election: id, Source: "GEC, preliminary results by station", Published: published}, rs1, ev)
	if err != nil {
		t.Fatal(err)
	}

	// The second release corrects one result in ten, and is given in a file whose own
	// figures were drawn again: a release is complete in itself.
	text2, want2 := demoCSV(p, 2)
	rs2, err := ReadCSV(strings.NewReader(text2), "gec-2024-07-05.csv", p, Mapping{})
	if err != nil {
		t.Fatal(err)
	}
	ev.Time = ev.Time.Add(6 * 24 * time.Hour)
	rel2, err := s.ImportOfficial(ctx, iltod.OfficialRelease{Election: id, Source: "GEC, certified results", Published: published.Add(6 * 24 * time.Hour),
		Note: "certified"}, rs2, ev)
	if err != nil {
		t.Fatal(err)
	}
	if rel1.Version != 1 || rel2.Version != 2 || rel1.Results != 4446 || rel2.Seq != rel1.Seq+1 {
		t.Errorf("releases %+v and %+v", rel1, rel2)
	}
	for _, c := range []struct {
		version int
		want    []iltod.StationResult
	}{{1, want1}, {2, want2}, {0, want2}} {
		got, err := s.OfficialResults(ctx, id, c.version, iltod.OfficialQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, sorted(c.want)) {
			t.Errorf("version %d read back differs", c.version)
		}
	}
	// One aimag's results of the first release: Arkhangai is MN-AR.
	ar, err := s.OfficialResults(ctx, id, 1, iltod.OfficialQuery{Area: "MN-AR", Contest: "LIST"})
	if err != nil {
		t.Fatal(err)
	}
	var wantAR []iltod.StationResult
	for _, r := range sorted(want1) {
		if strings.HasPrefix(r.Station, "AR-") && r.Contest == "LIST" {
			wantAR = append(wantAR, r)
		}
	}
	if len(wantAR) == 0 || !reflect.DeepEqual(ar, wantAR) {
		t.Errorf("Arkhangai's list results: %d, want %d", len(ar), len(wantAR))
	}

	// Export Arkhangai's results of the second release as NIST JSON (the whole release
	// is 9 MB, which the race detector makes slow to validate), and import the report as a
	// third release.
	var arkhangai []iltod.StationResult
	for _, r := range rs2 {
		if strings.HasPrefix(r.Station, "AR-") {
			arkhangai = append(arkhangai, r)
		}
	}
	var buf bytes.Buffer
	if err := WriteNIST(&buf, p, arkhangai, NISTOptions{Issuer: "GEC", Status: "certified", Generated: published, Notes: ReleaseNotes(rel2)}); err != nil {
		t.Fatal(err)
	}
	rs3, info, err := ReadNIST(bytes.NewReader(buf.Bytes()), "gec.json", p, Mapping{})
	if err != nil {
		t.Fatal(err)
	}
	if !info.IsTest || info.Status != "certified" || info.Skipped != 0 {
		t.Errorf("info %+v", info)
	}
	rel3, err := s.ImportOfficial(ctx, iltod.OfficialRelease{Election: id, Source: "NIST export of version 2", Published: info.Generated}, rs3, ev)
	if err != nil {
		t.Fatal(err)
	}
	got3, err := s.OfficialResults(ctx, id, rel3.Version, iltod.OfficialQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got3) < 100 || !reflect.DeepEqual(got3, NISTProfile(arkhangai)) {
		t.Errorf("the NIST round trip of %d results of version 2 differs from what NIST carries of them", len(got3))
	}
	// And back out as CSV: the same results as stored.
	buf.Reset()
	if err := WriteCSV(&buf, got3); err != nil {
		t.Fatal(err)
	}
	again, err := ReadCSV(&buf, "v3.csv", p, Mapping{})
	if err != nil || !reflect.DeepEqual(sorted(again), got3) {
		t.Errorf("the CSV round trip of version 3: %v", err)
	}
	rels, err := s.OfficialReleases(ctx, id)
	if err != nil || len(rels) != 3 || rels[0] != rel1 || rels[1] != rel2 || rels[2] != rel3 {
		t.Errorf("OfficialReleases: %v, %v", rels, err)
	}
}

// TestBadInputImportsNothing runs every bad file of the CSV and NIST tests through a
// parse-then-import, as the import command does, and checks that the store holds exactly
// what it held before.
func TestBadInputImportsNothing(t *testing.T) {
	ctx := t.Context()
	p := fixture()
	s := openStore(t)
	if err := s.CreateElection(ctx, p, false); err != nil {
		t.Fatal(err)
	}
	rel := iltod.OfficialRelease{Election: "mn", Source: "test", Published: time.Unix(1719600000, 0)}
	ev := iltod.Event{Time: time.Unix(1719610000, 0)}
	if _, err := s.ImportOfficial(ctx, rel, nistResults(), ev); err != nil {
		t.Fatal(err)
	}
	type state struct {
		seq      uint64
		releases []iltod.OfficialRelease
		results  []iltod.StationResult
	}
	snapshot := func() state {
		var st state
		var err error
		if st.seq, err = s.LastSeq(ctx); err != nil {
			t.Fatal(err)
		}
		if st.releases, err = s.OfficialReleases(ctx, "mn"); err != nil {
			t.Fatal(err)
		}
		if st.results, err = s.OfficialResults(ctx, "mn", 0, iltod.OfficialQuery{}); err != nil {
			t.Fatal(err)
		}
		return st
	}
	before := snapshot()
	try := func(name string, rs []iltod.StationResult, err error) {
		if err == nil {
			_, err = s.ImportOfficial(ctx, rel, rs, ev)
		}
		if err == nil {
			t.Errorf("%s: imported", name)
		}
		if after := snapshot(); !reflect.DeepEqual(after, before) {
			t.Errorf("%s: the store changed", name)
		}
	}
	for _, tc := range badCSV {
		rs, err := ReadCSV(strings.NewReader(tc.text), "r.csv", p, tc.m)
		try("CSV "+tc.name, rs, err)
	}
	doc := writeNIST(t, p, nistResults())
	for _, bad := range [][]byte{doc[:len(doc)/2], bytes.Replace(doc, []byte(`"Count":400`), []byte(`"Count":-400`), 1),
		bytes.Replace(doc, []byte(`"Issuer":"Observers",`), nil, 1)} {
		rs, _, err := ReadNIST(bytes.NewReader(bad), "x.json", p, Mapping{})
		try("NIST", rs, err)
	}
}
