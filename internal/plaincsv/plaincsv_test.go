package plaincsv_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/plaincsv"
	"github.com/iltod/iltod/internal/tabular"
	"github.com/iltod/iltod/locales"
	"github.com/iltod/iltod/stats/forensics"
	"github.com/iltod/iltod/stats/pvt"
	"github.com/iltod/iltod/stats/seats"
)

// ugandaPath is the Uganda 2016 presidential results by polling station (REFERENCE §8),
// in the shared data directory beside the repository.
const ugandaPath = "../../../shared/data/uganda-2016/results-by-polling-station.csv.gz"

var candidates = []string{"A.Bwanika", "A.Mbabazi", "B.Venansius", "B.B.Biraaro", "K.Besigye.K", "J.Mabirizi", "M.F.K.Waluube", "Y.K.Museveni"}

// ugandaFile is the Uganda file read once: its header, its rows and column indices.
type ugandaFile struct {
	header []string
	rows   [][]string
	col    map[string]int
}

var (
	ugandaOnce sync.Once
	uganda     *ugandaFile
	ugandaErr  error
)

// loadUganda reads the Uganda file, or skips the test if it is not there (and fails in
// CI, which must have it).
func loadUganda(t *testing.T) *ugandaFile {
	t.Helper()
	ugandaOnce.Do(func() {
		f, err := os.Open(ugandaPath)
		if err != nil {
			ugandaErr = err
			return
		}
		defer f.Close()
		gz, err := gzip.NewReader(f)
		if err != nil {
			ugandaErr = err
			return
		}
		rows, err := csv.NewReader(gz).ReadAll()
		if err != nil {
			ugandaErr = err
			return
		}
		u := &ugandaFile{header: rows[0], rows: rows[1:], col: map[string]int{}}
		for i, h := range u.header {
			u.col[h] = i
		}
		uganda = u
	})
	if errors.Is(ugandaErr, fs.ErrNotExist) {
		if os.Getenv("CI") != "" {
			t.Fatalf("the Uganda 2016 data is missing at %s; CI must have shared/ beside the repository", ugandaPath)
		}
		t.Skipf("the Uganda 2016 data is not at %s (shared/ beside the repository); skipping the real-data test", ugandaPath)
	}
	if ugandaErr != nil {
		t.Fatalf("read %s: %v", ugandaPath, ugandaErr)
	}
	if len(uganda.rows) != 28010 {
		t.Fatalf("%s has %d stations; REFERENCE §8 has 28,010", ugandaPath, len(uganda.rows))
	}
	return uganda
}

// num returns row's count in column h.
func (u *ugandaFile) num(t *testing.T, row []string, h string) int {
	t.Helper()
	v, err := strconv.Atoi(row[u.col[h]])
	if err != nil {
		t.Fatalf("%s: %v", h, err)
	}
	return v
}

// writeCSV writes rows under header to a file in a temporary directory.
func writeCSV(t *testing.T, name string, header []string, rows [][]string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write(header)
	w.WriteAll(rows)
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// printer is what every analysis returns.
type printer interface {
	Print(io.Writer, tabular.Format, *locales.Printer) error
}

// english writes what the tests read.
var english = locales.For("en")

// outcome is an analysis's result or error.
type outcome[R printer] struct {
	r   R
	err error
}

// must holds an analysis's result and error until ok checks them.
func must[R printer](r R, err error) outcome[R] { return outcome[R]{r, err} }

// ok fails the test if the analysis failed, and returns its result.
func (o outcome[R]) ok(t *testing.T) R {
	t.Helper()
	if o.err != nil {
		t.Fatal(o.err)
	}
	return o.r
}

// printed returns r printed in format f.
func printed(t *testing.T, r printer, f tabular.Format) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.Print(&b, f, english); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// viaJSON prints r as JSON and decodes it into v, so that a test reads what a script
// would.
func viaJSON(t *testing.T, r printer, v any) {
	t.Helper()
	out := printed(t, r, tabular.JSON)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}

var ctx = context.Background()

// ugandaSample draws a sample of size stations stratified by district and checks that
// anyone can redraw the sample it prints as JSON from the file.
func ugandaSample(t *testing.T, u *ugandaFile, size int, seed uint64) pvt.Sample {
	t.Helper()
	res := must(plaincsv.Sample(ctx, plaincsv.SampleOptions{
		In:      ugandaPath,
		Columns: plaincsv.Columns{Station: "Original_Station_ID_2016", Stratum: "Dist_name_2016"},
		Size:    size, Seed: seed,
	})).ok(t)
	var s pvt.Sample
	viaJSON(t, res, &s)
	frame := make([]pvt.FrameStation, len(u.rows))
	for i, r := range u.rows {
		frame[i] = pvt.FrameStation{Code: r[u.col["Original_Station_ID_2016"]], Stratum: r[u.col["Dist_name_2016"]]}
	}
	if err := s.Verify(frame); err != nil {
		t.Fatalf("the sample printed as JSON does not verify against the file in file order: %v", err)
	}
	n := 0
	for _, h := range s.Strata {
		n += len(h.Stations)
	}
	if n != size || len(s.Strata) != 112 {
		t.Fatalf("sample of %d stations in %d strata; want %d in Uganda's 112 districts", n, len(s.Strata), size)
	}
	if res.Stations != 28010 {
		t.Errorf("frame of %d stations; want 28010", res.Stations)
	}
	return s
}

// TestUgandaPVT draws a stratified sample of 1,000 Uganda 2016 stations, estimates from
// the sampled rows alone, and checks the estimate against the truth of the whole file.
func TestUgandaPVT(t *testing.T) {
	t.Parallel()
	u := loadUganda(t)
	s := ugandaSample(t, u, 1000, 2016)

	// The truth, from the whole file, and the strata file.
	var museveni, valid, cast, registered float64
	population := map[string]int{}
	for _, r := range u.rows {
		museveni += float64(u.num(t, r, "Y.K.Museveni"))
		valid += float64(u.num(t, r, "V.Votes"))
		cast += float64(u.num(t, r, "T.Votes"))
		registered += float64(u.num(t, r, "Reg.Voters"))
		population[r[u.col["Dist_name_2016"]]]++
	}
	truth, truthTurnout := museveni/valid, cast/registered
	var strata [][]string
	for _, h := range s.Strata {
		strata = append(strata, []string{h.Stratum, strconv.Itoa(population[h.Stratum])})
	}
	strataFile := writeCSV(t, "strata.csv", []string{"stratum", "population"}, strata)

	// The sampled rows. Stations that did not report (NON_REP 1, all counts 0) get empty
	// vote cells, as a PVT's missing reports would: the estimate must skip them.
	inSample := map[string]bool{}
	for _, h := range s.Strata {
		for _, c := range h.Stations {
			inSample[c] = true
		}
	}
	var rows [][]string
	nonrep := 0
	for _, r := range u.rows {
		if !inSample[r[u.col["Original_Station_ID_2016"]]] {
			continue
		}
		r = slices.Clone(r)
		if r[u.col["NON_REP"]] == "1" {
			nonrep++
			for _, h := range append([]string{"V.Votes"}, candidates...) {
				r[u.col[h]] = ""
			}
		}
		rows = append(rows, r)
	}
	sampled := writeCSV(t, "sampled.csv", u.header, rows)

	opt := plaincsv.PVTOptions{
		In: sampled,
		Columns: plaincsv.Columns{Station: "Original_Station_ID_2016", Stratum: "Dist_name_2016", Choices: candidates,
			Valid: "V.Votes", Cast: "T.Votes", Registered: "Reg.Voters"},
		Strata: strataFile, Majority: 0.5, Official: map[string]float64{"Y.K.Museveni": 0.6062},
	}
	res := must(plaincsv.PVT(ctx, opt)).ok(t)
	var out plaincsv.PVTResult
	viaJSON(t, res, &out)
	m := slices.Index(candidates, "Y.K.Museveni")
	e := out.Result.Shares[m]
	t.Logf("Museveni: %.4f, SE %.4f, 99%% interval %.4f–%.4f; truth %.4f; %d sampled, %d skipped (did not report)",
		e.Value, e.SE, e.Low99, e.High99, truth, out.Rows, out.Skipped)
	if out.Rows != 1000 || out.Skipped != nonrep || out.Reporting != 1000-nonrep || e.Reported != 1000-nonrep {
		t.Errorf("rows %d, skipped %d, reporting %d, Museveni's estimate from %d; want 1000, %d non-reporting skipped", out.Rows, out.Skipped, out.Reporting, e.Reported, nonrep)
	}
	if truth < e.Low99 || truth > e.High99 {
		t.Errorf("Museveni's true share %.4f lies outside the 99%% interval %.4f–%.4f", truth, e.Low99, e.High99)
	}
	// REFERENCE §1: simple random samples of 1,000 stations give SE ≈ 0.0066. Read as a
	// simple random sample (the allocation is nearly proportional), the same rows must
	// give about that; stratifying by district can only do better.
	srs := must(plaincsv.PVT(ctx, plaincsv.PVTOptions{
		In:         sampled,
		Columns:    plaincsv.Columns{Station: "Original_Station_ID_2016", Choices: candidates, Valid: "V.Votes"},
		Population: 28010,
	})).ok(t)
	t.Logf("SE of Museveni's share: %.4f stratified by district, %.4f read as a simple random sample", e.SE, srs.Result.Shares[m].SE)
	if se := srs.Result.Shares[m].SE; se < 0.0055 || se > 0.0077 {
		t.Errorf("SE of Museveni's share as a simple random sample %.4f; REFERENCE §1 has ≈0.0066 for 1,000 stations", se)
	}
	if e.SE < 0.004 || e.SE > 0.009 || e.SE >= srs.Result.Shares[m].SE {
		t.Errorf("SE of Museveni's share stratified by district %.4f; want 0.004–0.009, below the unstratified %.4f", e.SE, srs.Result.Shares[m].SE)
	}
	if out.Result.Leader != m || out.Result.Winner.Verdict != pvt.Winner || out.Result.Winner.Choice != m {
		t.Errorf("leader %d, winner call %+v; want Museveni (%d) called", out.Result.Leader, out.Result.Winner, m)
	}
	if out.Result.Runoff == nil || out.Result.Runoff.Call.Verdict != pvt.RunoffNotNeeded {
		t.Errorf("runoff %+v; want runoff_not_needed at 60.6%%", out.Result.Runoff)
	}
	if tu := out.Result.Turnout; tu == nil || truthTurnout < tu.Low99 || truthTurnout > tu.High99 || tu.Reported != 1000 {
		t.Errorf("turnout %+v; want an interval around the true %.4f from all 1,000 rows (their cast and registered are given)", tu, truthTurnout)
	}
	if len(out.Official) != 1 || out.Official[0].Call.Verdict != pvt.Consistent {
		t.Errorf("official check %+v; want 60.62%% consistent", out.Official)
	}
	if c := out.Result.Coverage; c.Sampled != 1000 || c.Reported != 1000-nonrep || c.Population != 28010 {
		t.Errorf("coverage %d of %d sampled from %d; want %d of 1000 from 28010", c.Reported, c.Sampled, c.Population, 1000-nonrep)
	}

	// The table for people names the winner and shows the interval.
	table := printed(t, res, tabular.Text)
	if !regexp.MustCompile(`share Y\.K\.Museveni +` + regexp.QuoteMeta(tabular.Percent(english, e.Value)) + ` `).MatchString(table) {
		t.Errorf("the table lacks Museveni's share %s:\n%s", tabular.Percent(english, e.Value), table)
	}
	for _, want := range []string{
		tabular.Interval(english, e.Low99, e.High99),
		"Winner: Y.K.Museveni. Y.K.Museveni leads K.Besigye.K by",
		"Runoff: no runoff needed.",
		"Official Y.K.Museveni 60.62%: consistent.",
		fmt.Sprintf("%d skipped", nonrep),
	} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
}

// TestPVTSmall checks the estimator's inputs on a file small enough to add up by hand.
func TestPVTSmall(t *testing.T) {
	t.Parallel()
	opt := plaincsv.PVTOptions{
		In:         "testdata/stations.csv",
		Columns:    plaincsv.Columns{Station: "code", Choices: []string{"A", "B"}, Valid: "valid"},
		Population: 40,
	}
	res := must(plaincsv.PVT(ctx, opt)).ok(t)
	var out plaincsv.PVTResult
	viaJSON(t, res, &out)
	// S06 has no votes given; the other six: A 1080 of 1860 valid votes.
	if out.Rows != 7 || out.Skipped != 1 || math.Abs(out.Result.Shares[0].Value-1080.0/1860) > 1e-12 {
		t.Errorf("rows %d, skipped %d, A's share %v; want 7, 1, 1080/1860", out.Rows, out.Skipped, out.Result.Shares[0].Value)
	}
	if d := out.Design; d.Strata[""] != 40 || d.Sampled[""] != 7 {
		t.Errorf("design %+v; want 40 stations, 7 sampled", d)
	}
	csvOut := printed(t, res, tabular.CSV)
	rows, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
	if err != nil || len(rows) != 4 || rows[1][0] != "share A" || rows[3][0] != "margin A − B" {
		t.Errorf("pvt -csv: %v\n%s", err, csvOut)
	}
	if got, _ := strconv.ParseFloat(rows[1][1], 64); math.Abs(got-1080.0/1860) > 1e-7 {
		t.Errorf("pvt -csv: A's share %q; want %v", rows[1][1], 1080.0/1860)
	}
}

// TestUgandaForensics checks that the screens are the package's on the same stations,
// read as stats/forensics/uganda_test.go reads them: ballots found = T.Votes and issued =
// found, leader Museveni.
func TestUgandaForensics(t *testing.T) {
	t.Parallel()
	u := loadUganda(t)
	var st []forensics.Station
	over := 0
	for _, r := range u.rows {
		found := u.num(t, r, "T.Votes")
		s := forensics.Station{Code: r[u.col["Original_Station_ID_2016"]], Registered: u.num(t, r, "Reg.Voters"), Issued: found, Found: found, Leader: u.num(t, r, "Y.K.Museveni")}
		if s.Issued > s.Registered {
			over++
		}
		st = append(st, s)
	}
	want := forensics.IntegerPercentages(st)

	opt := plaincsv.ForensicsOptions{
		In: ugandaPath,
		Columns: plaincsv.Columns{Registered: "Reg.Voters", Cast: "T.Votes", Leader: "Y.K.Museveni",
			Station: "Original_Station_ID_2016", Area: "Const_name_2016", Choices: candidates},
	}
	var out plaincsv.ForensicsResult
	viaJSON(t, must(plaincsv.Forensics(ctx, opt)).ok(t), &out)
	if !reflect.DeepEqual(out.Integer, want) {
		t.Errorf("integer test from the file %+v\nfrom the package %+v", out.Integer, want)
	}
	// A previous measurement: z = −0.34 for Museveni.
	if got := fmt.Sprintf("%+.2f", want.Either.Z); got != "-0.34" {
		t.Errorf("integer-percentage z %s; measured −0.34 before", got)
	}
	if out.Stations != 28010 || out.Skipped != 0 {
		t.Errorf("%d stations screened, %d skipped; want 28010, 0", out.Stations, out.Skipped)
	}
	for _, d := range out.Digits {
		if d.Counts+d.Skipped != 8*28010 {
			t.Errorf("%s: %d counts + %d skipped; want the 8 candidates at 28,010 stations", d.Test, d.Counts, d.Skipped)
		}
	}
	if len(out.Flags.OverRegistered.Stations) != over {
		t.Errorf("%d over-registered stations; counted %d", len(out.Flags.OverRegistered.Stations), over)
	}

	// The table prints the same z, and every section's note; the Monte Carlo step is
	// reported to Progress.
	opt.MonteCarlo, opt.Seed = 10, 7
	var steps []string
	opt.Progress = func(step locales.Message) func() {
		steps = append(steps, step.In(english))
		return func() { steps = append(steps, "done") }
	}
	table := printed(t, must(plaincsv.Forensics(ctx, opt)).ok(t), tabular.Text)
	if len(steps) != 2 || !strings.Contains(steps[0], "10 Monte Carlo replications") || steps[1] != "done" {
		t.Errorf("progress %q; want the Monte Carlo step started and done", steps)
	}
	re := regexp.MustCompile(`(?m)^either \(X\)\s+([\d,]+)\s+\S+\s+\S+\s+\S+\s+(\S+)$`)
	m := re.FindStringSubmatch(table)
	if m == nil || m[1] != english.Int(int64(want.Either.Observed)) || m[2] != fmt.Sprintf("%+.2f", want.Either.Z) {
		t.Errorf("the table's integer-percentage row %q; want observed %d, z %+.2f", m, want.Either.Observed, want.Either.Z)
	}
	for _, note := range []string{want.Note["en"], out.Fingerprint.Note["en"], out.Digits[0].Note["en"], out.Flags.Note["en"], "Monte Carlo null: 10 replications, seed 7"} {
		if !strings.Contains(table, note) {
			t.Errorf("the table lacks %q", note)
		}
	}
}

// seatsFile returns the options that allocate n seats from the file testdata/file, a row
// per list, under system sys.
func seatsFile(file string, n int, sys iltod.System) plaincsv.SeatsOptions {
	opt := plaincsv.SeatsOptions{
		In:      "testdata/" + file,
		Columns: plaincsv.Columns{Choice: "list", Votes: "votes"},
		Seats:   n, System: sys, Totals: seats.Totals{Valid: -1},
	}
	if strings.Contains(file, "district") {
		opt.Party = "party"
	}
	return opt
}

// TestSeats puts REFERENCE §5's test vectors through the files.
func TestSeats(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		file   string
		seats  int
		method string
		want   []int
	}{
		{"seats-8.csv", 8, "dhondt", []int{4, 3, 1, 0}},
		{"seats-8.csv", 8, "sainte_lague", []int{3, 3, 1, 1}},
		{"seats-8.csv", 8, "hare", []int{3, 3, 1, 1}},
		{"seats-8.csv", 8, "droop", []int{4, 3, 1, 0}},
		// Votes by district, added up per list: 47000, 16000, 15800, 12000, 6100, 3100 (and
		// a list whose only row has no votes).
		{"seats-10-by-district.csv", 10, "hare", []int{5, 2, 1, 1, 1, 0, 0}},
		{"seats-10-by-district.csv", 10, "droop", []int{5, 2, 2, 1, 0, 0, 0}},
		{"seats-10-by-district.csv", 10, "dhondt", []int{5, 2, 2, 1, 0, 0, 0}},
		{"seats-10-by-district.csv", 10, "sainte_lague", []int{4, 2, 2, 1, 1, 0, 0}},
	} {
		t.Run(c.file+"/"+c.method, func(t *testing.T) {
			var out plaincsv.SeatsResult
			viaJSON(t, must(plaincsv.Seats(ctx, seatsFile(c.file, c.seats, iltod.System{Kind: iltod.ListPR, Method: c.method}))).ok(t), &out)
			var got []int
			for _, ch := range out.Choices {
				got = append(got, ch.Seats)
			}
			if !slices.Equal(got, c.want) || out.Result.Outcome != "elected" {
				t.Errorf("seats %v, outcome %s; want %v, elected", got, out.Result.Outcome, c.want)
			}
		})
	}

	// A threshold of 5% of valid votes shuts out list F (3.1%).
	var out plaincsv.SeatsResult
	viaJSON(t, must(plaincsv.Seats(ctx, seatsFile("seats-10-by-district.csv", 10,
		iltod.System{Kind: iltod.ListPR, Method: "sainte_lague", Threshold: 0.05, ThresholdBase: "valid"}))).ok(t), &out)
	if len(out.Result.Excluded) != 2 || out.Choices[5].Name != "Party F" || out.Choices[5].Votes != 3100 || out.Result.Excluded[0] != out.Choices[5].Code {
		t.Errorf("excluded %v; want Party F (and the list without votes)", out.Result.Excluded)
	}

	// Two rounds: 100000 of 230000 is 43.5%, no majority; the top two go to a runoff.
	table := printed(t, must(plaincsv.Seats(ctx, seatsFile("seats-8.csv", 1,
		iltod.System{Kind: iltod.TwoRound, Majority: 0.5, MajorityBase: "valid"}))).ok(t), tabular.Text)
	if !strings.Contains(table, "Outcome: runoff.") || strings.Count(table, "in the runoff") != 2 {
		t.Errorf("two-round table:\n%s", table)
	}
}

// TestUgandaSeats allocates Uganda's presidency from the station file, a column per
// candidate, against REFERENCE §8's totals.
func TestUgandaSeats(t *testing.T) {
	t.Parallel()
	loadUganda(t)
	var out plaincsv.SeatsResult
	viaJSON(t, must(plaincsv.Seats(ctx, plaincsv.SeatsOptions{
		In:      ugandaPath,
		Columns: plaincsv.Columns{Choices: candidates},
		Seats:   1, System: iltod.System{Kind: iltod.TwoRound, Majority: 0.5, MajorityBase: "valid"},
		Totals: seats.Totals{Valid: -1},
	})).ok(t), &out)
	m := slices.Index(candidates, "Y.K.Museveni")
	if c := out.Choices[m]; c.Votes != 5971872 || out.Totals.Valid != 9851812 || math.Abs(c.Share-0.60617) > 5e-6 || c.Seats != 1 || out.Result.Outcome != "elected" {
		t.Errorf("Museveni %+v of %d valid, outcome %s; REFERENCE §8 has 5,971,872 of 9,851,812 (60.617%%), elected in one round", c, out.Totals.Valid, out.Result.Outcome)
	}
}

// TestCompare builds observers' and official files from Uganda 2016 and checks that
// the comparison finds what was changed, and where.
func TestCompare(t *testing.T) {
	t.Parallel()
	u := loadUganda(t)
	s := ugandaSample(t, u, 2000, 7)
	inSample := map[string]bool{}
	for _, h := range s.Strata {
		for _, c := range h.Stations {
			inSample[c] = true
		}
	}
	id := u.col["Original_Station_ID_2016"]
	var observed [][]string
	var museveni, besigye, valid float64
	for _, r := range u.rows {
		museveni += float64(u.num(t, r, "Y.K.Museveni"))
		besigye += float64(u.num(t, r, "K.Besigye.K"))
		valid += float64(u.num(t, r, "V.Votes"))
		if inSample[r[id]] {
			observed = append(observed, slices.Clone(r))
		}
	}
	obsFile := writeCSV(t, "observed.csv", u.header, observed)
	base := plaincsv.CompareOptions{
		In:      obsFile,
		Columns: plaincsv.Columns{Station: "Original_Station_ID_2016", Stratum: "Dist_name_2016", Choices: candidates, Valid: "V.Votes"},
	}
	m, b := slices.Index(candidates, "Y.K.Museveni"), slices.Index(candidates, "K.Besigye.K")

	t.Run("collation", func(t *testing.T) {
		// The stations agree with the observers; the published national share moves 1% of
		// valid votes from Besigye to Museveni.
		opt := base
		opt.Official = ugandaPath
		opt.OfficialShare = map[string]float64{"Y.K.Museveni": museveni/valid + 0.01, "K.Besigye.K": besigye/valid - 0.01}
		var out plaincsv.CompareResult
		viaJSON(t, must(plaincsv.Compare(ctx, opt)).ok(t), &out)
		if out.Compared != 2000 || out.Match.Exact != 2000 || len(out.Flagged) != 0 {
			t.Errorf("%d compared, %d exact, %d flagged; want 2000 identical stations", out.Compared, out.Match.Exact, len(out.Flagged))
		}
		for _, c := range []int{m, b} {
			tc := out.Tests[c]
			t.Logf("%s: collation z %.2f, paired z %.2f", tc.Choice, tc.Collation.Z, tc.Paired.Z)
			if tc.Paired.Verdict != pvt.Consistent || tc.Collation.Verdict != pvt.Inconsistent || tc.Diagnosis.Verdict != pvt.Inconsistent ||
				!strings.Contains(tc.Diagnosis.Note["en"], "in collation") || tc.NationalSource != "-official-share" {
				t.Errorf("%s: paired %s, collation %s (z %.2f), diagnosis %q from %s; want consistent, inconsistent, collation",
					tc.Choice, tc.Paired.Verdict, tc.Collation.Verdict, tc.Collation.Z, tc.Diagnosis.Note, tc.NationalSource)
			}
		}
		// Without -official-share the national share is the file's own total: consistent.
		opt.OfficialShare = nil
		out = plaincsv.CompareResult{}
		viaJSON(t, must(plaincsv.Compare(ctx, opt)).ok(t), &out)
		if tc := out.Tests[m]; tc.Collation.Verdict != pvt.Consistent || math.Abs(tc.Collation.Official-museveni/valid) > 1e-12 {
			t.Errorf("Museveni against the file's own total: %s, national %v; want consistent, %v", tc.Collation.Verdict, tc.Collation.Official, museveni/valid)
		}
	})

	t.Run("stations", func(t *testing.T) {
		// Five sampled stations' official rows move 30 votes from Besigye to Museveni;
		// ten others carry a one-vote slip on the observers' side.
		official := make([][]string, len(u.rows))
		altered, slipped := map[string]bool{}, map[string]bool{}
		for i, r := range u.rows {
			official[i] = r
			if !inSample[r[id]] {
				continue
			}
			if len(altered) < 5 && u.num(t, r, "K.Besigye.K") >= 30 && i%3 == 0 {
				r = slices.Clone(r)
				r[u.col["K.Besigye.K"]] = strconv.Itoa(u.num(t, r, "K.Besigye.K") - 30)
				r[u.col["Y.K.Museveni"]] = strconv.Itoa(u.num(t, r, "Y.K.Museveni") + 30)
				official[i] = r
				altered[r[id]] = true
			}
		}
		obs := make([][]string, len(observed))
		for i, r := range observed {
			obs[i] = r
			if len(slipped) < 10 && !altered[r[id]] && i%7 == 3 {
				obs[i] = slices.Clone(r)
				obs[i][u.col["A.Bwanika"]] = strconv.Itoa(u.num(t, r, "A.Bwanika") + 1)
				slipped[r[id]] = true
			}
		}
		offFile := writeCSV(t, "official.csv", u.header, official)
		opt := base
		opt.Official = offFile
		opt.In = writeCSV(t, "observed.csv", u.header, obs)
		res := must(plaincsv.Compare(ctx, opt)).ok(t)
		var out plaincsv.CompareResult
		viaJSON(t, res, &out)
		if len(altered) != 5 || len(slipped) != 10 || len(out.Flagged) != 15 || out.Match.Exact != 1985 {
			t.Fatalf("%d altered, %d slipped; %d flagged, %d exact; want 15 flagged, 1985 exact", len(altered), len(slipped), len(out.Flagged), out.Match.Exact)
		}
		for i, f := range out.Flagged {
			if (i < 5) != altered[f.Station] || (i < 5) != (f.D == 60) {
				t.Errorf("flagged #%d: %s with D %v; want the 5 altered stations (D 60) first", i+1, f.Station, f.D)
			}
		}
		// The table lists them first too; -csv lists every flagged station.
		table := printed(t, res, tabular.Text)
		first := out.Flagged[0].Station
		if i := strings.Index(table, first); i < 0 || !strings.Contains(table[i:], "K.Besigye.K") || !strings.Contains(table, "Flagged stations, largest discrepancy first (15;") {
			t.Errorf("the table does not list %s first:\n%s", first, table)
		}
		rows, err := csv.NewReader(strings.NewReader(printed(t, res, tabular.CSV))).ReadAll()
		if err != nil || len(rows) != 16 || !altered[rows[1][0]] {
			t.Errorf("compare -csv: %d rows, %v; want a header and 15 flagged stations, altered first", len(rows), err)
		}
		// Above a tolerance of 2 votes only the altered stations are flagged.
		opt.Tolerance = 2
		out = plaincsv.CompareResult{}
		viaJSON(t, must(plaincsv.Compare(ctx, opt)).ok(t), &out)
		if len(out.Flagged) != 5 {
			t.Errorf("tolerance 2: %d flagged; want the 5 altered stations", len(out.Flagged))
		}
	})
}

// TestBadInput checks that bad files fail with a message naming the file, line and
// column, and that bad options fail with a *UsageError naming the option by its flag.
func TestBadInput(t *testing.T) {
	t.Parallel()
	good, err := os.ReadFile("testdata/stations.csv")
	if err != nil {
		t.Fatal(err)
	}
	pvtOpt := func(in string) plaincsv.PVTOptions {
		return plaincsv.PVTOptions{In: in, Columns: plaincsv.Columns{Station: "code", Choices: []string{"A", "B"}, Valid: "valid"}, Population: 40}
	}
	pvtRun := func(change func(*plaincsv.PVTOptions)) func(string) error {
		return func(in string) error {
			opt := pvtOpt(in)
			change(&opt)
			_, err := plaincsv.PVT(ctx, opt)
			return err
		}
	}
	asIs := func(*plaincsv.PVTOptions) {}
	seatsRun := func(cols plaincsv.Columns, sys iltod.System, n int) func(string) error {
		return func(in string) error {
			_, err := plaincsv.Seats(ctx, plaincsv.SeatsOptions{In: in, Columns: cols, Seats: n, System: sys, Totals: seats.Totals{Valid: -1}})
			return err
		}
	}
	dhondt := iltod.System{Kind: iltod.ListPR, Method: "dhondt"}
	// In stations.csv, S02 and S05 have a name spanning two lines: S03 is on line 5, S07 on
	// line 10.
	for _, c := range []struct {
		name     string
		old, new string // a change to stations.csv
		run      func(in string) error
		usage    bool // whether the error is a *UsageError
		want     string
	}{
		{"missing column", "", "", pvtRun(func(o *plaincsv.PVTOptions) { o.Valid = "Valid" }), false, `bad.csv: no column "Valid" (named by -valid); the header has: code, name, region`},
		{"negative", "S03,Clinic,east,600,420,400,220,180", "S03,Clinic,east,600,420,400,-220,180", pvtRun(asIs), false, `bad.csv:5: column "A": -220 is negative`},
		{"not a number", "S07,Ferry office,west,350,260,250,160,90", "S07,Ferry office,west,350,260,250,16O,90", pvtRun(asIs), false, `bad.csv:10: column "A": "16O" is not a whole number`},
		{"fraction", "S07,Ferry office,west,350,260,250,160,90", "S07,Ferry office,west,350,260,250.5,160,90", pvtRun(asIs), false, `bad.csv:10: column "valid": "250.5" is not a whole number`},
		{"duplicate station", "S07,", "S03,", pvtRun(asIs), false, `bad.csv:10: column "code": station "S03" is also on line 5`},
		{"short row", "S03,Clinic,east,600,420,400,220,180", "S03,Clinic,east,600,420,400,220", pvtRun(asIs), false, `bad.csv:5: wrong number of fields`},
		{"empty station", "S03,Clinic", ",Clinic", pvtRun(asIs), false, `bad.csv:5: column "code": empty; every row needs a station code`},
		{"forensics negative", "S04,River school,west,450,", "S04,River school,west,-450,", func(in string) error {
			_, err := plaincsv.Forensics(ctx, plaincsv.ForensicsOptions{In: in, Columns: plaincsv.Columns{Registered: "registered", Cast: "cast", Leader: "A"}})
			return err
		}, false, `bad.csv:6: column "registered": -450 is negative`},
		{"sample duplicate", "S05,", "S01,", func(in string) error {
			_, err := plaincsv.Sample(ctx, plaincsv.SampleOptions{In: in, Columns: plaincsv.Columns{Station: "code", Stratum: "region"}, Size: 4, Seed: 1})
			return err
		}, false, `bad.csv:7: column "code": station "S01" is also on line 2`},
		{"missing column flag", "", "", pvtRun(func(o *plaincsv.PVTOptions) { o.Valid = "" }), true, "give -valid COL"},
		{"no population", "", "", pvtRun(func(o *plaincsv.PVTOptions) { o.Population = 0 }), true, "give the size of the population: -population N"},
		{"unknown official choice", "", "", pvtRun(func(o *plaincsv.PVTOptions) { o.Official = map[string]float64{"C": 0.5} }), true, `-official: "C" is not one of the choices (A, B)`},
		{"choice named twice", "", "", pvtRun(func(o *plaincsv.PVTOptions) { o.Choices = []string{"A", " A"} }), true, `-choices: column "A" is named twice`},
		{"no seed", "", "", func(in string) error {
			_, err := plaincsv.Sample(ctx, plaincsv.SampleOptions{In: in, Columns: plaincsv.Columns{Station: "code"}, Size: 3})
			return err
		}, true, "give -seed S"},
		{"size too large", "", "", func(in string) error {
			_, err := plaincsv.Sample(ctx, plaincsv.SampleOptions{In: in, Columns: plaincsv.Columns{Station: "code"}, Size: 30, Seed: 1})
			return err
		}, true, "-size 30: give a number of stations from 1 to 7"},
		{"seats not a number", "", "", seatsRun(plaincsv.Columns{Choice: "code", Votes: "name"}, dhondt, 3), false, `bad.csv:2: column "name": "Hill school" is not a whole number`},
		{"seats both forms", "", "", seatsRun(plaincsv.Columns{Choice: "code", Choices: []string{"A", "B"}}, iltod.System{Kind: iltod.FPTP}, 1), true, "give -choices COL,COL,… (a column per choice) or -choice COL -votes COL"},
		{"seats wide negative", "S03,Clinic,east,600,420,400,220,180", "S03,Clinic,east,600,420,400,220,-180", seatsRun(plaincsv.Columns{Choices: []string{"A", "B"}}, iltod.System{Kind: iltod.FPTP}, 1), false, `bad.csv:5: column "B": -180 is negative`},
		{"seats no threshold base", "", "", seatsRun(plaincsv.Columns{Choice: "code", Votes: "cast"}, iltod.System{Kind: iltod.ListPR, Method: "dhondt", Threshold: 0.05}, 3), true, "-threshold-base: is required with a threshold"},
		{"compare unknown station", "S03,", "S99,", func(in string) error {
			_, err := plaincsv.Compare(ctx, plaincsv.CompareOptions{In: in, Official: "testdata/stations.csv", Columns: plaincsv.Columns{Station: "code", Choices: []string{"A", "B"}, Valid: "valid"}})
			return err
		}, false, `bad.csv: observed stations not in testdata/stations.csv (1): "S99" (bad.csv:5)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.old != "" && !strings.Contains(string(good), c.old) {
				t.Fatalf("stations.csv has no %q", c.old)
			}
			data := strings.Replace(string(good), c.old, c.new, 1)
			in := filepath.Join(dir, "bad.csv")
			if err := os.WriteFile(in, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
			err := c.run(in)
			if err == nil {
				t.Fatalf("no error; want %q", c.want)
			}
			msg := strings.ReplaceAll(err.Error(), in, "bad.csv")
			if usage := errors.As(err, new(*plaincsv.UsageError)); usage != c.usage || !strings.Contains(msg, c.want) {
				t.Errorf("error %q (a usage error: %v); want it to contain %q (a usage error: %v)", msg, usage, c.want, c.usage)
			}
		})
	}
}

func TestParseShares(t *testing.T) {
	got, err := plaincsv.ParseShares("official", "A=0.52, B = 30%,C=0")
	if want := map[string]float64{"A": 0.52, "B": 0.3, "C": 0}; err != nil || !maps.Equal(got, want) {
		t.Errorf("got %v, %v; want %v", got, err, want)
	}
	for _, c := range []struct{ in, want string }{
		{"A=1.5", `A="1.5" is not a share`},
		{"A=52", `A="52" is not a share`},
		{"A=x%", `A="x%" is not a share`},
		{"A", `"A" is not CHOICE=SHARE`},
		{"A=0.1,A=0.2", `"A" is given twice`},
	} {
		if _, err := plaincsv.ParseShares("official", c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseShares(%q): %v; want %q", c.in, err, c.want)
		}
	}
}

// TestThinStrata checks that an estimate refused for want of reports names every thin
// stratum with its counts.
func TestThinStrata(t *testing.T) {
	t.Parallel()
	// Region west has S04–S07 sampled, of which S06 has no votes: 3 report. East keeps
	// only S01 reporting once S02 and S03 lose their votes.
	good, err := os.ReadFile("testdata/stations.csv")
	if err != nil {
		t.Fatal(err)
	}
	data := strings.Replace(strings.Replace(string(good), "240,100,140", ",,", 1), "400,220,180", ",,", 1)
	in := filepath.Join(t.TempDir(), "thin.csv")
	if err := os.WriteFile(in, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	strata := writeCSV(t, "strata.csv", []string{"stratum", "population"}, [][]string{{"east", "30"}, {"west", "40"}})
	_, err = plaincsv.PVT(ctx, plaincsv.PVTOptions{
		In:      in,
		Columns: plaincsv.Columns{Station: "code", Stratum: "region", Choices: []string{"A", "B"}, Valid: "valid"},
		Strata:  strata,
	})
	if err == nil || !errors.Is(err, pvt.ErrThinStratum) || !strings.Contains(err.Error(), "\n"+`stratum "east": 1 of 3 sampled stations reported (30 in the population)`) ||
		strings.Contains(err.Error(), `stratum "west"`) {
		t.Errorf("error %v; want the thin stratum east listed with its counts, and west not", err)
	}
}

// FuzzPVT feeds arbitrary files to PVT: it must never panic, and it either succeeds with
// counts that add up or fails with an error.
func FuzzPVT(f *testing.F) {
	good, err := os.ReadFile("testdata/stations.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte("code,A,B,valid\nS1,1,2,3\nS2,4,5,9\n"))
	f.Add([]byte("\uFEFFcode,A,B,valid\nS1,1,2,3\nS1,4,5,9\n"))
	f.Add([]byte("code,A,B,valid\n\"S1\n\",1,2,3\nS2,,,\n"))
	f.Add([]byte("code,A,A,valid\nS1,1,2,3\n"))
	f.Add([]byte("code,A,B,valid\nS1,99999999999999999999,2,3\nS2,-0,0,0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "in.csv")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := plaincsv.PVT(ctx, plaincsv.PVTOptions{
			In:         path,
			Columns:    plaincsv.Columns{Station: "code", Choices: []string{"A", "B"}, Valid: "valid"},
			Population: 1000,
		})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		var out plaincsv.PVTResult
		viaJSON(t, res, &out)
		if out.Reporting+out.Skipped != out.Rows {
			t.Fatalf("%d reporting + %d skipped is not the %d rows", out.Reporting, out.Skipped, out.Rows)
		}
		printed(t, res, tabular.Text)
	})
}
