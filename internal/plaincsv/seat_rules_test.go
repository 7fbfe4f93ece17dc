package plaincsv_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/plaincsv"
	"github.com/iltod/iltod/internal/tabular"
	"github.com/iltod/iltod/stats/seats"
)

// TestParseAlliances checks the syntax of -alliance and -exempt.
func TestParseAlliances(t *testing.T) {
	got, err := plaincsv.ParseAlliances(" A + B ,C+D+E")
	if err != nil || len(got) != 2 || !slices.Equal(got[0], []string{"A", "B"}) || !slices.Equal(got[1], []string{"C", "D", "E"}) {
		t.Errorf("A+B,C+D+E: %v %v", got, err)
	}
	for _, bad := range []string{"A", "A+", "A+B,B+C", "A+A", ",", "A+B,"} {
		if _, err := plaincsv.ParseAlliances(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if l, err := plaincsv.ParseLists("exempt", "ssw, mn"); err != nil || !slices.Equal(l, []string{"ssw", "mn"}) {
		t.Errorf("ParseLists: %v %v", l, err)
	}
	if _, err := plaincsv.ParseLists("exempt", "a,,b"); err == nil {
		t.Error("an empty name: no error")
	}
}

// TestSeatsTierRegions allocates two regions of a file with a threshold over the whole
// file (-threshold-scope tier): R has 9.9% of region 1 but 4.95% of the file, and wins no
// seat; M is exempt. The figures are those of TestTierThreshold in stats/seats.
func TestSeatsTierRegions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sejm.csv")
	data := "district,list,votes\n1,A,42000\n1,B,30100\n1,K,9000\n1,R,9900\n1,M,9000\n2,A,52000\n2,B,40000\n2,K,8000\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	opt := plaincsv.SeatsOptions{In: path, Columns: plaincsv.Columns{Choice: "list", Votes: "votes", Region: "district"}, Seats: 10,
		System: iltod.System{Kind: iltod.ListPR, Method: iltod.DHondt, Threshold: 0.05, ThresholdBase: iltod.BaseValid,
			ThresholdScope: iltod.ScopeTier, CoalitionThreshold: 0.08},
		Exempt: []string{"M"}, Coalitions: []string{"K"}, Totals: seats.Totals{Valid: -1}}
	res, err := plaincsv.Seats(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, c := range res.Choices {
		got[c.Region+"/"+c.Name] = c.Seats
	}
	want := map[string]int{"1/A": 5, "1/B": 3, "1/K": 1, "1/R": 0, "1/M": 1, "2/A": 6, "2/B": 4, "2/K": 0}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %d seats, want %d (all %v)", k, got[k], v, got)
		}
	}
	table := printed(t, res, tabular.CSV)
	if !strings.HasPrefix(table, "region,choice,party,votes,share,seats,note\n") || !strings.Contains(table, "1,R,R,9900,0.099,0,below_threshold") {
		t.Errorf("table:\n%s", table)
	}
	// Each region's seats from a column: district 2 elects 5. Its D'Hondt: A 52000, B
	// 40000, A 26000, B 20000, A 17333: A 3, B 2.
	var b strings.Builder
	for i, line := range strings.Split(strings.TrimSpace(data), "\n") {
		switch {
		case i == 0:
			b.WriteString(line + ",seats")
		case strings.HasPrefix(line, "1,"):
			b.WriteString(line + ",10")
		default:
			b.WriteString(line + ",5")
		}
		b.WriteString("\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	byCol := opt
	byCol.Seats, byCol.RegionSeats = 0, "seats"
	res, err = plaincsv.Seats(ctx, byCol)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Choices {
		if w := map[string]int{"1/A": 5, "2/A": 3, "2/B": 2, "2/K": 0}[c.Region+"/"+c.Name]; (c.Region == "2" || c.Name == "A") && c.Seats != w {
			t.Errorf("-region-seats: %s/%s has %d, want %d", c.Region, c.Name, c.Seats, w)
		}
	}
	if err := os.WriteFile(path, []byte(strings.Replace(b.String(), "2,K,8000,5", "2,K,8000,6", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := plaincsv.Seats(ctx, byCol); err == nil || !strings.Contains(err.Error(), "has 6 seats here but 5 on an earlier row") {
		t.Errorf("differing region seats: %v", err)
	}
	// Without -region a threshold over the tier has nothing to be over.
	opt.Region = ""
	if _, err := plaincsv.Seats(ctx, opt); err == nil {
		t.Error("tier scope without regions: no error")
	}
}

// FuzzParseAlliances feeds arbitrary values to -alliance: it never panics, and what it
// accepts has groups of two or more non-empty names, none twice.
func FuzzParseAlliances(f *testing.F) {
	for _, s := range []string{"A+B", "likud+religious-zionism,labor+meretz", "A+B+C,D+E", "A", "+", "A+B,A+C", "ä+ö", strings.Repeat("a+", 600)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		groups, err := plaincsv.ParseAlliances(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		seen := map[string]bool{}
		for _, g := range groups {
			if len(g) < 2 {
				t.Fatalf("%q: a group of %d", s, len(g))
			}
			for _, n := range g {
				if n == "" || seen[n] {
					t.Fatalf("%q: name %q empty or twice", s, n)
				}
				seen[n] = true
			}
		}
	})
}

// FuzzSeatsRules feeds arbitrary files to Seats with every rule of issue 18 at once: it
// never panics, and either fails with a message or gives no list more seats than the
// body has.
func FuzzSeatsRules(f *testing.F) {
	for _, name := range []string{"nz2023.csv", "scotland2021.csv"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(0))
		f.Add(b, uint8(1))
	}
	f.Add([]byte("region,party,list_votes,constituencies\nA,X,1,0\nA,X,2,3\nB,Y,,\n"), uint8(1))
	f.Add([]byte("region,party,list_votes,constituencies\nA,X,5,99999\n"), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		path := filepath.Join(t.TempDir(), "in.csv")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		opt := plaincsv.SeatsOptions{In: path, Columns: plaincsv.Columns{Choice: "party", Votes: "list_votes", Won: "constituencies"},
			Seats: 120, System: iltod.System{Kind: iltod.MixedMMP, Method: iltod.SainteLague, Threshold: 0.05, ThresholdBase: iltod.BaseValid, QualifyWon: 1},
			Totals: seats.Totals{Valid: -1}, Alliances: [][]string{{"SNP", "Green"}}}
		if mode%2 == 1 {
			opt.Seats, opt.Region = 7, "region"
			opt.System = iltod.System{Kind: iltod.MixedAMS, Method: iltod.DHondt}
			opt.Alliances = nil
			opt.Exempt = []string{"Alba"}
		}
		res, err := plaincsv.Seats(ctx, opt)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		for _, c := range res.Choices {
			if c.Seats < 0 || c.List < 0 || c.Overhang < 0 {
				t.Fatalf("negative seats: %+v", c)
			}
		}
		printed(t, res, tabular.Text)
	})
}
