package forensics

import (
	"fmt"
	"math"
	"testing"
)

func TestFlagStations(t *testing.T) {
	var st []Station
	// Area A: twelve stations with turnouts 50..61% and one at 80%; with it, the area's
	// median is 56 and its MAD 3, so its z is (80 − 56) / (1.4826·3) ≈ 5.4.
	for i := range 12 {
		st = append(st, Station{Code: fmt.Sprintf("A%d", i), Area: "A", Registered: 1000, Issued: 500 + 10*i, Found: 500 + 10*i, Leader: 250})
	}
	st = append(st, Station{Code: "A-high", Area: "A", Registered: 1000, Issued: 800, Found: 800, Leader: 400})
	// Area B: too few stations to judge.
	st = append(st, Station{Code: "B1", Area: "B", Registered: 1000, Issued: 990, Found: 990, Leader: 985})
	// Over-registered, near-unanimous, tiny and inconsistent stations.
	st = append(st,
		Station{Code: "over", Area: "B", Registered: 300, Issued: 310, Found: 310, Leader: 100},
		Station{Code: "tiny", Area: "C", Registered: 20, Issued: 20, Found: 20, Leader: 20},
		Station{Code: "unreg", Area: "C", Registered: 0, Issued: 5, Found: 5, Leader: 1},
		Station{Code: "bad", Area: "C", Registered: 500, Issued: 500, Found: 500, Leader: 501},
		Station{Code: "edge", Area: "C", Registered: 100, Issued: 99, Found: 100, Leader: 98}, // share 98%
	)
	f := FlagStations(st, FlagOptions{})
	codes := func(fl Flag) []string {
		var cs []string
		for _, s := range fl.Stations {
			cs = append(cs, s.Code)
		}
		return cs
	}
	check := func(name string, got, want []string) {
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("over-registered", codes(f.OverRegistered), []string{"over", "unreg"})
	check("near-unanimous", codes(f.NearUnanimous), []string{"B1", "tiny"})
	check("area outliers", codes(f.AreaOutliers), []string{"A-high"})
	// Unscreened: B1 and over (area B has 2), tiny, unreg, bad, edge (area C has 1 judged).
	if f.Unscreened != 6 {
		t.Errorf("Unscreened = %d, want 6", f.Unscreened)
	}
	o := f.AreaOutliers.Stations[0]
	// Area A's 13 turnouts: 50..61 and 80; median 56, deviations median 3.
	if o.Median != 56 || o.MAD != 3 || math.Abs(o.Z-24/(1.4826*3)) > 1e-12 {
		t.Errorf("outlier %+v; want median 56, MAD 3, z %.4f", o, 24/(1.4826*3))
	}
	if f.OverRegistered.Stations[1].Turnout != 0 || f.OverRegistered.Stations[0].Turnout != 100*310.0/300 {
		t.Errorf("turnouts %+v", f.OverRegistered.Stations)
	}
	for _, n := range []Flag{f.OverRegistered, f.NearUnanimous, f.AreaOutliers} {
		if n.Note["en"] == "" || n.Note["mn"] == "" || n.Rule == "" {
			t.Errorf("flag %q lacks its rule name or notes", n.Rule)
		}
	}
	if f2 := FlagStations(st, FlagOptions{OutlierZ: 6}); len(f2.AreaOutliers.Stations) != 0 {
		t.Errorf("with a threshold of 6, outliers %v", codes(f2.AreaOutliers))
	}
}
