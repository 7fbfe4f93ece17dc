package main

import (
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
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

	"github.com/iltod/iltod/stats/forensics"
	"github.com/iltod/iltod/stats/pvt"
)

// plainUganda is the Uganda 2016 presidential results by polling station (REFERENCE §8),
// in the shared data directory beside the repository.
const plainUganda = "../../../shared/data/uganda-2016/results-by-polling-station.csv.gz"

var plainCandidates = []string{"A.Bwanika", "A.Mbabazi", "B.Venansius", "B.B.Biraaro", "K.Besigye.K", "J.Mabirizi", "M.F.K.Waluube", "Y.K.Museveni"}

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

// loadPlainUganda reads the Uganda file, or skips the test if it is not there (and fails
// in CI, which must have it).
func loadPlainUganda(t *testing.T) *ugandaFile {
	t.Helper()
	ugandaOnce.Do(func() {
		f, err := os.Open(plainUganda)
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
			t.Fatalf("the Uganda 2016 data is missing at %s; CI must have shared/ beside the repository", plainUganda)
		}
		t.Skipf("the Uganda 2016 data is not at %s (shared/ beside the repository); skipping the real-data test", plainUganda)
	}
	if ugandaErr != nil {
		t.Fatalf("read %s: %v", plainUganda, ugandaErr)
	}
	if len(uganda.rows) != 28010 {
		t.Fatalf("%s has %d stations; REFERENCE §8 has 28,010", plainUganda, len(uganda.rows))
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

// plainOK runs the command line and fails the test unless it succeeds.
func plainOK(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := iltodCmd(t, args...)
	if code != 0 {
		t.Fatalf("iltod %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	return stdout
}

// plainJSON runs the command line with -json and decodes its output into v.
func plainJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	out := plainOK(t, append(args, "-json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("iltod %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// ugandaSample draws a sample of size stations stratified by district through the CLI and
// checks that anyone can redraw it from the file.
func ugandaSample(t *testing.T, u *ugandaFile, size int, seed string) pvt.Sample {
	t.Helper()
	var s pvt.Sample
	plainJSON(t, &s, "sample", "-in", plainUganda, "-station", "Original_Station_ID_2016", "-stratum", "Dist_name_2016", "-size", strconv.Itoa(size), "-seed", seed)
	frame := make([]pvt.FrameStation, len(u.rows))
	for i, r := range u.rows {
		frame[i] = pvt.FrameStation{Code: r[u.col["Original_Station_ID_2016"]], Stratum: r[u.col["Dist_name_2016"]]}
	}
	if err := s.Verify(frame); err != nil {
		t.Fatalf("the sample printed by iltod sample -json does not verify against the file in file order: %v", err)
	}
	n := 0
	for _, h := range s.Strata {
		n += len(h.Stations)
	}
	if n != size || len(s.Strata) != 112 {
		t.Fatalf("sample of %d stations in %d strata; want %d in Uganda's 112 districts", n, len(s.Strata), size)
	}
	return s
}

// TestPlainUgandaPVT draws a stratified sample of 1,000 Uganda 2016 stations, estimates from
// the sampled rows alone, and checks the estimate against the truth of the whole file.
func TestPlainUgandaPVT(t *testing.T) {
	t.Parallel()
	u := loadPlainUganda(t)
	s := ugandaSample(t, u, 1000, "2016")

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
			for _, h := range append([]string{"V.Votes"}, plainCandidates...) {
				r[u.col[h]] = ""
			}
		}
		rows = append(rows, r)
	}
	sampled := writeCSV(t, "sampled.csv", u.header, rows)

	args := []string{"pvt", "-in", sampled, "-station", "Original_Station_ID_2016", "-stratum", "Dist_name_2016",
		"-choices", strings.Join(plainCandidates, ","), "-valid", "V.Votes", "-cast", "T.Votes", "-registered", "Reg.Voters",
		"-strata", strataFile, "-majority", "0.5", "-official", "Y.K.Museveni=60.62%"}
	var out plainPVTOut
	plainJSON(t, &out, args...)
	m := slices.Index(plainCandidates, "Y.K.Museveni")
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
	var srs plainPVTOut
	plainJSON(t, &srs, "pvt", "-in", sampled, "-station", "Original_Station_ID_2016", "-choices", strings.Join(plainCandidates, ","),
		"-valid", "V.Votes", "-population", "28010")
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
	table := plainOK(t, args...)
	if !regexp.MustCompile(`share Y\.K\.Museveni +` + regexp.QuoteMeta(pct(e.Value)) + ` `).MatchString(table) {
		t.Errorf("the table lacks Museveni's share %s:\n%s", pct(e.Value), table)
	}
	for _, want := range []string{
		interval(e.Low99, e.High99),
		"Winner: Y.K.Museveni. Y.K.Museveni leads K.Besigye.K by",
		"Runoff: runoff_not_needed.",
		"Official Y.K.Museveni 60.62%: consistent.",
		fmt.Sprintf("%d skipped", nonrep),
	} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
}

// TestPlainPVTSmall checks the estimator's inputs on a file small enough to add up by hand.
func TestPlainPVTSmall(t *testing.T) {
	t.Parallel()
	in := "testdata/plain/stations.csv"
	var out plainPVTOut
	plainJSON(t, &out, "pvt", "-in", in, "-station", "code", "-choices", "A,B", "-valid", "valid", "-population", "40")
	// S06 has no votes given; the other six: A 1080 of 1860 valid votes.
	if out.Rows != 7 || out.Skipped != 1 || math.Abs(out.Result.Shares[0].Value-1080.0/1860) > 1e-12 {
		t.Errorf("rows %d, skipped %d, A's share %v; want 7, 1, 1080/1860", out.Rows, out.Skipped, out.Result.Shares[0].Value)
	}
	if d := out.Design; d.Strata[""] != 40 || d.Sampled[""] != 7 {
		t.Errorf("design %+v; want 40 stations, 7 sampled", d)
	}
	csvOut := plainOK(t, "pvt", "-in", in, "-station", "code", "-choices", "A,B", "-valid", "valid", "-population", "40", "-csv")
	rows, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
	if err != nil || len(rows) != 4 || rows[1][0] != "share A" || rows[3][0] != "margin A − B" {
		t.Errorf("pvt -csv: %v\n%s", err, csvOut)
	}
	if got, _ := strconv.ParseFloat(rows[1][1], 64); math.Abs(got-1080.0/1860) > 1e-7 {
		t.Errorf("pvt -csv: A's share %q; want %v", rows[1][1], 1080.0/1860)
	}
}

// TestPlainUgandaForensics checks that the CLI's screens are the package's on the same
// stations, read as stats/forensics/uganda_test.go reads them: ballots found = T.Votes and
// issued = found, leader Museveni.
func TestPlainUgandaForensics(t *testing.T) {
	t.Parallel()
	u := loadPlainUganda(t)
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

	args := []string{"forensics", "-in", plainUganda, "-registered", "Reg.Voters", "-cast", "T.Votes", "-leader", "Y.K.Museveni",
		"-station", "Original_Station_ID_2016", "-area", "Const_name_2016", "-choices", strings.Join(plainCandidates, ",")}
	var out plainForensicsOut
	plainJSON(t, &out, args...)
	if !reflect.DeepEqual(out.Integer, want) {
		t.Errorf("integer test from the CLI %+v\nfrom the package %+v", out.Integer, want)
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

	// The table prints the same z, and every section's note.
	table := plainOK(t, append(args, "-mc", "10", "-seed", "7")...)
	re := regexp.MustCompile(`(?m)^either \(X\)\s+(\d+)\s+\S+\s+\S+\s+\S+\s+(\S+)$`)
	m := re.FindStringSubmatch(table)
	if m == nil || m[1] != strconv.Itoa(want.Either.Observed) || m[2] != fmt.Sprintf("%+.2f", want.Either.Z) {
		t.Errorf("the table's integer-percentage row %q; want observed %d, z %+.2f", m, want.Either.Observed, want.Either.Z)
	}
	for _, note := range []string{want.Note["en"], out.Fingerprint.Note["en"], out.Digits[0].Note["en"], out.Flags.Note["en"], "Monte Carlo null: 10 replications, seed 7"} {
		if !strings.Contains(table, note) {
			t.Errorf("the table lacks %q", note)
		}
	}
}

// TestPlainSeats puts REFERENCE §5's test vectors through the CLI.
func TestPlainSeats(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		file   string
		seats  string
		method string
		want   []int
	}{
		{"seats-8.csv", "8", "dhondt", []int{4, 3, 1, 0}},
		{"seats-8.csv", "8", "sainte_lague", []int{3, 3, 1, 1}},
		{"seats-8.csv", "8", "hare", []int{3, 3, 1, 1}},
		{"seats-8.csv", "8", "droop", []int{4, 3, 1, 0}},
		// Votes by district, added up per list: 47000, 16000, 15800, 12000, 6100, 3100 (and
		// a list whose only row has no votes).
		{"seats-10-by-district.csv", "10", "hare", []int{5, 2, 1, 1, 1, 0, 0}},
		{"seats-10-by-district.csv", "10", "droop", []int{5, 2, 2, 1, 0, 0, 0}},
		{"seats-10-by-district.csv", "10", "dhondt", []int{5, 2, 2, 1, 0, 0, 0}},
		{"seats-10-by-district.csv", "10", "sainte_lague", []int{4, 2, 2, 1, 1, 0, 0}},
	} {
		t.Run(c.file+"/"+c.method, func(t *testing.T) {
			args := []string{"seats", "-in", "testdata/plain/" + c.file, "-choice", "list", "-votes", "votes", "-seats", c.seats, "-system", "list_pr", "-method", c.method}
			if strings.Contains(c.file, "district") {
				args = append(args, "-party", "party")
			}
			var out plainSeatsOut
			plainJSON(t, &out, args...)
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
	var out plainSeatsOut
	plainJSON(t, &out, "seats", "-in", "testdata/plain/seats-10-by-district.csv", "-choice", "list", "-votes", "votes", "-party", "party",
		"-seats", "10", "-system", "list_pr", "-method", "sainte_lague", "-threshold", "0.05", "-threshold-base", "valid")
	if len(out.Result.Excluded) != 2 || out.Choices[5].Name != "Party F" || out.Choices[5].Votes != 3100 || out.Result.Excluded[0] != out.Choices[5].Code {
		t.Errorf("excluded %v; want Party F (and the list without votes)", out.Result.Excluded)
	}

	// Two rounds: 100000 of 230000 is 43.5%, no majority; the top two go to a runoff.
	table := plainOK(t, "seats", "-in", "testdata/plain/seats-8.csv", "-choice", "list", "-votes", "votes", "-seats", "1", "-system", "two_round", "-majority", "0.5", "-majority-base", "valid")
	if !strings.Contains(table, "Outcome: runoff.") || strings.Count(table, "in the runoff") != 2 {
		t.Errorf("two-round table:\n%s", table)
	}
}

// TestPlainUgandaSeats allocates Uganda's presidency from the station file, a column per
// candidate, against REFERENCE §8's totals.
func TestPlainUgandaSeats(t *testing.T) {
	t.Parallel()
	loadPlainUganda(t)
	var out plainSeatsOut
	plainJSON(t, &out, "seats", "-in", plainUganda, "-choices", strings.Join(plainCandidates, ","), "-seats", "1",
		"-system", "two_round", "-majority", "0.5", "-majority-base", "valid")
	m := slices.Index(plainCandidates, "Y.K.Museveni")
	if c := out.Choices[m]; c.Votes != 5971872 || out.Totals.Valid != 9851812 || math.Abs(c.Share-0.60617) > 5e-6 || c.Seats != 1 || out.Result.Outcome != "elected" {
		t.Errorf("Museveni %+v of %d valid, outcome %s; REFERENCE §8 has 5,971,872 of 9,851,812 (60.617%%), elected in one round", c, out.Totals.Valid, out.Result.Outcome)
	}
}

// TestPlainCompare builds observers' and official files from Uganda 2016 and checks that
// the comparison finds what was changed, and where.
func TestPlainCompare(t *testing.T) {
	t.Parallel()
	u := loadPlainUganda(t)
	s := ugandaSample(t, u, 2000, "7")
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
	base := []string{"compare", "-in", obsFile, "-station", "Original_Station_ID_2016", "-stratum", "Dist_name_2016",
		"-choices", strings.Join(plainCandidates, ","), "-valid", "V.Votes"}
	m, b := slices.Index(plainCandidates, "Y.K.Museveni"), slices.Index(plainCandidates, "K.Besigye.K")

	t.Run("collation", func(t *testing.T) {
		// The stations agree with the observers; the published national share moves 1% of
		// valid votes from Besigye to Museveni.
		var out plainCompareOut
		plainJSON(t, &out, append(base, "-official", plainUganda, "-official-share",
			fmt.Sprintf("Y.K.Museveni=%.6f,K.Besigye.K=%.6f", museveni/valid+0.01, besigye/valid-0.01))...)
		if out.Compared != 2000 || out.Match.Exact != 2000 || len(out.Flagged) != 0 {
			t.Errorf("%d compared, %d exact, %d flagged; want 2000 identical stations", out.Compared, out.Match.Exact, len(out.Flagged))
		}
		for _, c := range []int{m, b} {
			tc := out.Tests[c]
			t.Logf("%s: collation z %.2f, paired z %.2f", tc.Choice, tc.Collation.Z, tc.Paired.Z)
			if tc.Paired.Verdict != pvt.Consistent || tc.Collation.Verdict != pvt.Inconsistent || tc.Diagnosis.Verdict != pvt.Inconsistent ||
				!strings.Contains(tc.Diagnosis.Note["en"], "in collation") || tc.NationalSource != "-official-share" {
				t.Errorf("%s: paired %s, collation %s (z %.2f), diagnosis %q from %s; want consistent, inconsistent, collation",
					tc.Choice, tc.Paired.Verdict, tc.Collation.Verdict, tc.Collation.Z, tc.Diagnosis.Note["en"], tc.NationalSource)
			}
		}
		// Without -official-share the national share is the file's own total: consistent.
		plainJSON(t, &out, append(base, "-official", plainUganda)...)
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
		args := append(slices.Clone(base), "-official", offFile)
		args[2] = writeCSV(t, "observed.csv", u.header, obs)
		var out plainCompareOut
		plainJSON(t, &out, args...)
		if len(altered) != 5 || len(slipped) != 10 || len(out.Flagged) != 15 || out.Match.Exact != 1985 {
			t.Fatalf("%d altered, %d slipped; %d flagged, %d exact; want 15 flagged, 1985 exact", len(altered), len(slipped), len(out.Flagged), out.Match.Exact)
		}
		for i, f := range out.Flagged {
			if (i < 5) != altered[f.Station] || (i < 5) != (f.D == 60) {
				t.Errorf("flagged #%d: %s with D %v; want the 5 altered stations (D 60) first", i+1, f.Station, f.D)
			}
		}
		// The table lists them first too; -csv lists every flagged station.
		table := plainOK(t, args...)
		first := out.Flagged[0].Station
		if i := strings.Index(table, first); i < 0 || !strings.Contains(table[i:], "K.Besigye.K") || !strings.Contains(table, "Flagged stations, largest discrepancy first (15;") {
			t.Errorf("the table does not list %s first:\n%s", first, table)
		}
		rows, err := csv.NewReader(strings.NewReader(plainOK(t, append(args, "-csv")...))).ReadAll()
		if err != nil || len(rows) != 16 || !altered[rows[1][0]] {
			t.Errorf("compare -csv: %d rows, %v; want a header and 15 flagged stations, altered first", len(rows), err)
		}
		// Above a tolerance of 2 votes only the altered stations are flagged.
		plainJSON(t, &out, append(args, "-tolerance", "2")...)
		if len(out.Flagged) != 5 {
			t.Errorf("tolerance 2: %d flagged; want the 5 altered stations", len(out.Flagged))
		}
	})
}

// TestPlainBadInput checks that bad files and flags fail with a message naming the file,
// line and column, and print nothing on standard output.
func TestPlainBadInput(t *testing.T) {
	t.Parallel()
	good, err := os.ReadFile("testdata/plain/stations.csv")
	if err != nil {
		t.Fatal(err)
	}
	// In stations.csv, S02 and S05 have a name spanning two lines: S03 is on line 5, S07 on
	// line 10.
	pvtArgs := []string{"pvt", "-station", "code", "-choices", "A,B", "-valid", "valid", "-population", "40"}
	for _, c := range []struct {
		name     string
		old, new string // a change to stations.csv
		args     []string
		code     int
		want     string
	}{
		{"missing column", "", "", []string{"pvt", "-station", "code", "-choices", "A,B", "-valid", "Valid", "-population", "40"}, 1, `bad.csv: no column "Valid" (named by -valid); the header has: code, name, region`},
		{"negative", "S03,Clinic,east,600,420,400,220,180", "S03,Clinic,east,600,420,400,-220,180", pvtArgs, 1, `bad.csv:5: column "A": -220 is negative`},
		{"not a number", "S07,Ferry office,west,350,260,250,160,90", "S07,Ferry office,west,350,260,250,16O,90", pvtArgs, 1, `bad.csv:10: column "A": "16O" is not a whole number`},
		{"fraction", "S07,Ferry office,west,350,260,250,160,90", "S07,Ferry office,west,350,260,250.5,160,90", pvtArgs, 1, `bad.csv:10: column "valid": "250.5" is not a whole number`},
		{"duplicate station", "S07,", "S03,", pvtArgs, 1, `bad.csv:10: column "code": station "S03" is also on line 5`},
		{"short row", "S03,Clinic,east,600,420,400,220,180", "S03,Clinic,east,600,420,400,220", pvtArgs, 1, `bad.csv:5: wrong number of fields`},
		{"empty station", "S03,Clinic", ",Clinic", pvtArgs, 1, `bad.csv:5: column "code": empty; every row needs a station code`},
		{"forensics negative", "S04,River school,west,450,", "S04,River school,west,-450,", []string{"forensics", "-registered", "registered", "-cast", "cast", "-leader", "A"}, 1, `bad.csv:6: column "registered": -450 is negative`},
		{"sample duplicate", "S05,", "S01,", []string{"sample", "-station", "code", "-stratum", "region", "-size", "4", "-seed", "1"}, 1, `bad.csv:7: column "code": station "S01" is also on line 2`},
		{"unknown flag", "", "", append(slices.Clone(pvtArgs), "-bogus", "1"), 2, "flag provided but not defined: -bogus"},
		{"missing flag", "", "", []string{"pvt", "-station", "code", "-choices", "A,B", "-population", "40"}, 2, "give -valid COL"},
		{"no population", "", "", []string{"pvt", "-station", "code", "-choices", "A,B", "-valid", "valid"}, 2, "give the size of the population: -population N"},
		{"no seed", "", "", []string{"sample", "-station", "code", "-size", "3"}, 2, "give -seed S"},
		{"size too large", "", "", []string{"sample", "-station", "code", "-size", "30", "-seed", "1"}, 2, "-size 30: give a number of stations from 1 to 7"},
		{"stray argument", "", "", append(slices.Clone(pvtArgs), "extra"), 2, `unexpected argument "extra"`},
		{"bad share", "", "", append(slices.Clone(pvtArgs), "-official", "A=1.5"), 2, `-official: A="1.5" is not a share`},
		{"seats not a number", "", "", []string{"seats", "-choice", "code", "-votes", "name", "-seats", "3", "-system", "list_pr", "-method", "dhondt"}, 1, `bad.csv:2: column "name": "Hill school" is not a whole number`},
		{"seats both forms", "", "", []string{"seats", "-choice", "code", "-choices", "A,B", "-seats", "1", "-system", "fptp"}, 2, "give -choices COL,COL,… (a column per choice) or -choice COL -votes COL"},
		{"seats wide negative", "S03,Clinic,east,600,420,400,220,180", "S03,Clinic,east,600,420,400,220,-180", []string{"seats", "-choices", "A,B", "-seats", "1", "-system", "fptp"}, 1, `bad.csv:5: column "B": -180 is negative`},
		{"seats no threshold base", "", "", []string{"seats", "-choice", "code", "-votes", "cast", "-seats", "3", "-system", "list_pr", "-method", "dhondt", "-threshold", "0.05"}, 2, "-threshold-base: is required with a threshold"},
		{"compare unknown station", "S03,", "S99,", []string{"compare", "-official", "testdata/plain/stations.csv", "-station", "code", "-choices", "A,B", "-valid", "valid"}, 1, `bad.csv: 1 observed station not in testdata/plain/stations.csv: "S99" (line 5)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.old != "" && !strings.Contains(string(good), c.old) {
				t.Fatalf("stations.csv has no %q", c.old)
			}
			data := strings.Replace(string(good), c.old, c.new, 1)
			if err := os.WriteFile(filepath.Join(dir, "bad.csv"), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
			args := append([]string{c.args[0], "-in", filepath.Join(dir, "bad.csv")}, c.args[1:]...)
			code, stdout, stderr := iltodCmd(t, args...)
			stderr = strings.ReplaceAll(stderr, filepath.Join(dir, "bad.csv"), "bad.csv")
			if code != c.code || !strings.Contains(stderr, c.want) || stdout != "" {
				t.Errorf("exit %d (want %d); stderr %q, want it to contain %q; stdout %q", code, c.code, stderr, c.want, stdout)
			}
		})
	}
}

// FuzzPlainCSV feeds arbitrary files to pvt: it must never panic, and it either succeeds
// with JSON on standard output or fails with a message and nothing on standard output.
func FuzzPlainCSV(f *testing.F) {
	good, err := os.ReadFile("testdata/plain/stations.csv")
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
		code, stdout, stderr := iltodCmd(t, "pvt", "-in", path, "-station", "code", "-choices", "A,B", "-valid", "valid", "-population", "1000", "-json")
		switch code {
		case 0:
			var out plainPVTOut
			if err := json.Unmarshal([]byte(stdout), &out); err != nil || out.Reporting+out.Skipped != out.Rows {
				t.Fatalf("exit 0 with output %q: %v", stdout, err)
			}
		case 1:
			if stdout != "" || !strings.Contains(stderr, "iltod pvt: ") {
				t.Fatalf("exit 1 with stdout %q, stderr %q", stdout, stderr)
			}
		default:
			t.Fatalf("exit %d: %s", code, stderr)
		}
	})
}
