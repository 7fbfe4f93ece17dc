package simulate

import (
	"reflect"
	"sync"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/synth"
)

var demoOnce = sync.OnceValues(func() (*iltod.Package, error) { return electionpkg.Read(demo.Package()) })

// demoPackage returns the demonstration package, read once per test binary. Tests MUST
// NOT modify it.
func demoPackage(t testing.TB) *iltod.Package {
	t.Helper()
	p, err := demoOnce()
	if err != nil {
		t.Fatalf("read the demonstration package: %v", err)
	}
	return p
}

func TestTruthDeterministic(t *testing.T) {
	p := demoPackage(t)
	a, b := Truth(p, 7), Truth(p, 7)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same package and seed gave different results")
	}
	c := Truth(p, 8)
	if reflect.DeepEqual(a.Stations, c.Stations) {
		t.Fatal("another seed gave the same results")
	}
}

// TestTruthConsistent checks every station and contest of the demonstration and of a
// synthetic package (which adds FPTP and two-round contests) against the figures'
// contract.
func TestTruthConsistent(t *testing.T) {
	pkgs := []*iltod.Package{demoPackage(t), synth.Package(600, 3)}
	for _, p := range pkgs {
		t.Run(p.Election.ID, func(t *testing.T) {
			r := Truth(p, 1)
			var registered, issued int
			var machineDiffs, contests int
			for i, st := range r.Stations {
				if st.Station != p.Stations[i].Code || st.Registered != p.Stations[i].Registered {
					t.Fatalf("station %d: result %s with register %d, want %s with %d", i, st.Station, st.Registered, p.Stations[i].Code, p.Stations[i].Registered)
				}
				registered += st.Registered
				issued += st.Issued
				if st.Issued > st.Registered || st.Cast > st.Issued || st.Issued < 0 {
					t.Errorf("%s: registered %d, issued %d, cast %d", st.Station, st.Registered, st.Issued, st.Cast)
				}
				if len(st.Contests) == 0 {
					t.Errorf("%s votes in no contest", st.Station)
				}
				for _, c := range st.Contests {
					contests++
					if c.MachineDiffers() {
						machineDiffs++
					}
					checkContest(t, st, c)
				}
			}
			turnout := float64(issued) / float64(registered)
			if turnout < 0.60 || turnout > 0.75 {
				t.Errorf("national turnout %.3f, want 0.60–0.75", turnout)
			}
			if share := float64(machineDiffs) / float64(contests); share > 0.03 {
				t.Errorf("machine and hand counts differ in %.1f%% of counts; want rare", 100*share)
			}
			t.Logf("turnout %.1f%%; machine ≠ hand in %d of %d counts", 100*turnout, machineDiffs, contests)
		})
	}
}

func checkContest(t *testing.T, st StationResult, c ContestResult) {
	t.Helper()
	if c.Cast != c.Valid+c.Invalid+c.Blank || c.Valid < 0 || c.Invalid < 0 || c.Blank < 0 {
		t.Errorf("%s %s: cast %d != valid %d + invalid %d + blank %d", st.Station, c.Contest, c.Cast, c.Valid, c.Invalid, c.Blank)
	}
	if c.Cast > st.Issued || c.Cast > st.Cast || st.Issued-c.Cast > 2 {
		t.Errorf("%s %s: cast %d vs issued %d, station cast %d", st.Station, c.Contest, c.Cast, st.Issued, st.Cast)
	}
	sum := 0
	for ch, v := range c.Votes {
		if v < 0 || v > c.Valid {
			t.Errorf("%s %s: %s has %d votes of %d valid", st.Station, c.Contest, ch, v, c.Valid)
		}
		if d := c.Machine[ch] - v; d < -2 || d > 2 || c.Machine[ch] < 0 {
			t.Errorf("%s %s: %s machine %d, hand %d", st.Station, c.Contest, ch, c.Machine[ch], v)
		}
		sum += v
	}
	if sum != c.Marks() {
		t.Errorf("%s %s: Marks %d, sum %d", st.Station, c.Contest, c.Marks(), sum)
	}
	switch c.System {
	case iltod.BlockVote:
		if sum > c.Seats*c.Valid {
			t.Errorf("%s %s: %d marks > %d seats × %d valid", st.Station, c.Contest, sum, c.Seats, c.Valid)
		}
		// Most voters fill the ballot: the marks per ballot stay near the seats.
		if c.Valid >= 200 && (float64(sum) < 0.5*float64(c.Seats*c.Valid) || sum < c.Valid) {
			t.Errorf("%s %s: only %d marks on %d valid ballots of %d seats", st.Station, c.Contest, sum, c.Valid, c.Seats)
		}
	default:
		if sum != c.Valid {
			t.Errorf("%s %s: votes add up to %d, valid %d", st.Station, c.Contest, sum, c.Valid)
		}
	}
}

// TestTruthRegions checks that parties' strengths vary by region: the leading party of
// the national list is not the same in every region.
func TestTruthRegions(t *testing.T) {
	p := demoPackage(t)
	r := Truth(p, 1)
	ix := iltod.NewAreaIndex(p.Areas)
	byRegion := map[string]map[string]int{}
	for i, st := range r.Stations {
		path := ix.Path(p.Stations[i].Area)
		region := path[1]
		c, ok := st.Contest("LIST")
		if !ok {
			t.Fatalf("%s does not vote in LIST", st.Station)
		}
		if byRegion[region] == nil {
			byRegion[region] = map[string]int{}
		}
		for ch, v := range c.Votes {
			byRegion[region][ch] += v
		}
	}
	shares := map[string][2]float64{} // party → lowest and highest regional share
	for _, votes := range byRegion {
		total := 0
		for _, v := range votes {
			total += v
		}
		for ch, v := range votes {
			s := float64(v) / float64(total)
			mm, ok := shares[ch]
			if !ok {
				mm = [2]float64{1, 0}
			}
			shares[ch] = [2]float64{min(mm[0], s), max(mm[1], s)}
		}
	}
	spread := false
	for ch, mm := range shares {
		if mm[1] > 1.5*mm[0] && mm[1]-mm[0] > 0.05 {
			spread = true
		}
		t.Logf("%s: regional share %.1f%%–%.1f%%", ch, 100*mm[0], 100*mm[1])
	}
	if !spread {
		t.Error("no party's strength varies much between regions")
	}
	total := r.Total("LIST")
	if total.Marks() != total.Valid {
		t.Errorf("LIST total: %d votes, %d valid", total.Marks(), total.Valid)
	}
}
