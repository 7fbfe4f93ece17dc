package simulate

import (
	"fmt"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/qa"
)

// TestPosition: about three observers in four share a position, always valid and within
// nearMetres of the station, so that an honest report passes the geofence; the same
// arguments give the same position.
func TestPosition(t *testing.T) {
	for _, loc := range []iltod.Point{{Lat: 47.9189, Lon: 106.9176}, {Lat: -33.86, Lon: 179.9999}, {Lat: 89.999, Lon: 0}} {
		st := &iltod.Station{Code: "S1", Location: &loc}
		shared := 0
		const n = 2000
		for i := range n {
			obs := fmt.Sprint(1000 + i)
			p := position(DefaultSeed, obs, st, "results", "")
			if p == nil {
				continue
			}
			shared++
			if err := p.Validate(); err != nil {
				t.Fatalf("%v: observer %s: %+v: %v", loc, obs, p, err)
			}
			if d := qa.Haversine(loc.Lat, loc.Lon, p.Lat(), p.Lon()); d > nearMetres+1 {
				t.Fatalf("%v: observer %s is %.0f m from the station", loc, obs, d)
			}
			if r := qa.CheckGeofence(*st, p, iltod.DefaultGeofenceMetres); r.Outcome != iltod.CheckPass {
				t.Fatalf("%v: observer %s: geofence %s (%s)", loc, obs, r.Outcome, r.DetailIn("en"))
			}
			if q := position(DefaultSeed, obs, st, "results", ""); *q != *p {
				t.Fatalf("not deterministic: %+v then %+v", p, q)
			}
		}
		if share := float64(shared) / n; share < 0.70 || share > 0.80 {
			t.Errorf("%v: %.2f of observers share a position, want about %.2f", loc, share, locationShare)
		}
	}
	if p := position(DefaultSeed, "1001", &iltod.Station{Code: "S2"}, "results", ""); p != nil {
		t.Errorf("a station with no location: position %+v", p)
	}
}
