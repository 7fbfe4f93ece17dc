package forensics

import (
	"compress/gzip"
	"encoding/csv"
	"errors"
	"io/fs"
	"os"
	"strconv"
	"testing"
)

// ugandaPath is the Uganda 2016 presidential results by polling station (REFERENCE §8),
// in the shared data directory beside the repository.
const ugandaPath = "../../../shared/data/uganda-2016/results-by-polling-station.csv.gz"

var ugandaCandidates = []string{"A.Bwanika", "A.Mbabazi", "B.Venansius", "B.B.Biraaro", "K.Besigye.K", "J.Mabirizi", "M.F.K.Waluube", "Y.K.Museveni"}

// loadUganda reads the Uganda file: one Station per row with Museveni as the leader. The
// file has no count of ballots issued, so Issued and Found are both T.Votes (which equals
// V.Votes + Inv.Votes on every row). Area is the constituency. It also returns every
// candidate's count at every station, for the digit tests.
func loadUganda(t *testing.T) (stations []Station, counts []int) {
	t.Helper()
	f, err := os.Open(ugandaPath)
	if errors.Is(err, fs.ErrNotExist) {
		if os.Getenv("CI") != "" {
			t.Fatalf("the Uganda 2016 data is missing at %s; CI must have shared/ beside the repository", ugandaPath)
		}
		t.Skipf("the Uganda 2016 data is not at %s (shared/ beside the repository); skipping the real-data test", ugandaPath)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("open %s: %v", ugandaPath, err)
	}
	rows, err := csv.NewReader(gz).ReadAll()
	if err != nil {
		t.Fatalf("read %s: %v", ugandaPath, err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, h := range append([]string{"Dist_no_2016", "Const_no_2016", "Reg.Voters", "T.Votes", "V.Votes", "Inv.Votes", "Original_Station_ID_2016"}, ugandaCandidates...) {
		if _, ok := col[h]; !ok {
			t.Fatalf("%s has no column %q", ugandaPath, h)
		}
	}
	for n, row := range rows[1:] {
		num := func(h string) int {
			v, err := strconv.Atoi(row[col[h]])
			if err != nil {
				t.Fatalf("row %d, %s: %v", n+2, h, err)
			}
			return v
		}
		found := num("T.Votes")
		if found != num("V.Votes")+num("Inv.Votes") {
			t.Fatalf("row %d: T.Votes %d ≠ V.Votes + Inv.Votes", n+2, found)
		}
		stations = append(stations, Station{
			Code:       row[col["Original_Station_ID_2016"]],
			Area:       row[col["Dist_no_2016"]] + "-" + row[col["Const_no_2016"]],
			Registered: num("Reg.Voters"),
			Issued:     found,
			Found:      found,
			Leader:     num("Y.K.Museveni"),
		})
		for _, c := range ugandaCandidates {
			counts = append(counts, num(c))
		}
	}
	return stations, counts
}

// TestUganda2016 runs every screen on the official Uganda 2016 results and checks
// properties that a wrong loader or a wrong screen would break.
func TestUganda2016(t *testing.T) {
	t.Parallel()
	st, counts := loadUganda(t)

	// The loader against the totals checked in REFERENCE §8.
	var reg, museveni int
	for _, s := range st {
		reg += s.Registered
		museveni += s.Leader
	}
	if len(st) != 28010 || reg != 15277198 || museveni != 5971872 {
		t.Fatalf("%d stations, %d registered, %d for Museveni; REFERENCE §8 has 28,010, 15,277,198, 5,971,872", len(st), reg, museveni)
	}

	// Which stations the fingerprint should include, computed here independently.
	included, leaderIncluded, over, unanimous := 0, 0, 0, 0
	for _, s := range st {
		if s.Issued > s.Registered {
			over++
		}
		if s.Registered > 0 && s.Found > 0 && float64(s.Issued) >= 0.99*float64(s.Registered) && float64(s.Leader) >= 0.99*float64(s.Found) {
			unanimous++
		}
		if s.Registered >= 100 && s.Found > 0 && s.Issued <= s.Registered && s.Leader <= s.Found {
			included++
			leaderIncluded += s.Leader
		}
	}

	fp := TurnoutShare(st)
	cells := 0
	for _, row := range fp.Counts {
		for _, c := range row {
			cells += c
		}
	}
	last := fp.Curve[FingerprintBins-1]
	t.Logf("fingerprint: %d stations, excluded %+v; Museveni's votes at turnout ≤ 50%%: %d of %d", fp.Stations, fp.Excluded, fp.Curve[50].Leader, last.Leader)
	if fp.Stations != included || cells != included || fp.Stations+fp.Excluded.Total() != len(st) {
		t.Errorf("fingerprint holds %d stations in %d cells, %d excluded; want %d of %d", fp.Stations, cells, fp.Excluded.Total(), included, len(st))
	}
	if last.Stations != included || last.Leader != int64(leaderIncluded) {
		t.Errorf("cumulative curve ends at %d stations, %d votes; want %d, %d (Museveni among included)", last.Stations, last.Leader, included, leaderIncluded)
	}

	it := IntegerPercentages(st)
	t.Logf("integer test: %d stations, excluded %+v", it.Stations, it.Excluded)
	for _, c := range []struct {
		name string
		c    Count
	}{{"turnout", it.Turnout}, {"result", it.Result}, {"either", it.Either}} {
		t.Logf("  %-7s observed %5d, expected %8.1f, SD %5.1f, excess %+7.1f, z %+.2f", c.name, c.c.Observed, c.c.Expected, c.c.SD, c.c.Excess, c.c.Z)
		if c.c.Expected <= 0 || c.c.Expected >= float64(it.Stations) || c.c.Observed > it.Stations {
			t.Errorf("%s: %+v is impossible for %d stations", c.name, c.c, it.Stations)
		}
	}
	if it.Stations+it.Excluded.Total() != len(st) || it.Stations > fp.Stations {
		t.Errorf("integer test: %d included + %d excluded ≠ %d, or more than the fingerprint's %d", it.Stations, it.Excluded.Total(), len(st), fp.Stations)
	}
	if it.Either.Observed < max(it.Turnout.Observed, it.Result.Observed) || it.Either.Observed > it.Turnout.Observed+it.Result.Observed {
		t.Errorf("either %d is not between max and sum of turnout %d and result %d", it.Either.Observed, it.Turnout.Observed, it.Result.Observed)
	}
	mc := IntegerPercentagesMC(st, 100, 2016)
	t.Logf("  Monte Carlo, 100 replications: mean %.1f ± %.1f, SD %.1f, z %+.2f, p %.3f", mc.Either.Mean, mc.Either.MeanSE, mc.Either.SD, mc.Either.Z, mc.Either.P)
	if d := (mc.Either.Mean - it.Either.Expected) / mc.Either.MeanSE; d < -4 || d > 4 {
		t.Errorf("Monte Carlo mean %.1f ± %.1f against exact %.1f", mc.Either.Mean, mc.Either.MeanSE, it.Either.Expected)
	}

	for _, dt := range []DigitTest{SecondDigit(counts), LastDigit(counts), ZeroFive(counts)} {
		t.Logf("%s: %d counts (%d skipped), χ² %.1f on %d df, p %.3g, mean %.4f (expected %.4f, z %+.2f)", dt.Test, dt.Counts, dt.Skipped, dt.ChiSquare, dt.DF, dt.P, dt.Mean, dt.ExpectedMean, dt.MeanZ)
		sum := 0
		for _, o := range dt.Observed {
			sum += o
		}
		if sum != dt.Counts || dt.Counts+dt.Skipped != len(counts) {
			t.Errorf("%s: categories hold %d, Counts %d, Skipped %d, of %d", dt.Test, sum, dt.Counts, dt.Skipped, len(counts))
		}
	}

	fl := FlagStations(st, FlagOptions{})
	t.Logf("flags: %d over-registered, %d near-unanimous, %d area outliers (|z| > 4), %d unscreened",
		len(fl.OverRegistered.Stations), len(fl.NearUnanimous.Stations), len(fl.AreaOutliers.Stations), fl.Unscreened)
	if len(fl.OverRegistered.Stations) != over || len(fl.NearUnanimous.Stations) != unanimous {
		t.Errorf("flags: %d over-registered and %d near-unanimous; counted %d and %d", len(fl.OverRegistered.Stations), len(fl.NearUnanimous.Stations), over, unanimous)
	}
	for _, o := range fl.AreaOutliers.Stations {
		if o.Z <= 4 && o.Z >= -4 || o.Registered < MinRegistered {
			t.Errorf("area outlier %+v", o)
		}
	}
}
