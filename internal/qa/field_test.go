package qa

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/iltod/iltod"
)

// TestHaversine checks the distance against figures computed by others.
func TestHaversine(t *testing.T) {
	cases := []struct {
		name                   string
		lat1, lon1, lat2, lon2 float64
		want, tol              float64 // metres
	}{
		// Rosetta Code, "Haversine formula": Nashville BNA (36.12, -86.67) to Los Angeles
		// LAX (33.94, -118.40) is 2887.2599506071106 km on a sphere of radius 6372.8 km;
		// on ours the distance scales by 6371.0088 / 6372.8.
		{"BNA-LAX", 36.12, -86.67, 33.94, -118.40, 2887259.9506071106 * 6371008.8 / 6372800, 0.01},
		// One degree of latitude along a meridian: 2πR/360 exactly.
		{"one degree", 10, 20, 11, 20, 2 * math.Pi * EarthRadius / 360, 1e-6},
		// A quarter of the equator.
		{"quarter equator", 0, 0, 0, 90, math.Pi * EarthRadius / 2, 1e-6},
		// Antipodes: half the circumference; h clamps at 1 against rounding.
		{"antipodes", 0, 0, 0, 180, math.Pi * EarthRadius, 1e-6},
		{"same point", 47.9189, 106.9176, 47.9189, 106.9176, 0, 0},
	}
	for _, tc := range cases {
		got := Haversine(tc.lat1, tc.lon1, tc.lat2, tc.lon2)
		if math.Abs(got-tc.want) > tc.tol {
			t.Errorf("%s: %.4f m, want %.4f m", tc.name, got, tc.want)
		}
		if back := Haversine(tc.lat2, tc.lon2, tc.lat1, tc.lon1); math.Abs(back-got) > 1e-6 {
			t.Errorf("%s: not symmetric: %.6f and %.6f", tc.name, got, back)
		}
	}
}

// northOf returns the position d metres due north of (lat, lon), in micro-degrees.
func northOf(lat, lon float64, d float64, acc int64) *iltod.Position {
	dlat := d / (2 * math.Pi * EarthRadius / 360)
	return &iltod.Position{LatE6: int64(math.Round((lat + dlat) * 1e6)), LonE6: int64(math.Round(lon * 1e6)), AccuracyM: acc}
}

func TestCheckGeofence(t *testing.T) {
	st := iltod.Station{Code: "S1", Location: &iltod.Point{Lat: 47.9189, Lon: 106.9176}}
	cases := []struct {
		name    string
		st      iltod.Station
		pos     *iltod.Position
		fence   int
		outcome iltod.CheckOutcome
		en, mn  string
	}{
		{"at the station", st, northOf(47.9189, 106.9176, 0, 10), 1000, iltod.CheckPass,
			"0 m from the station's location, within 1010 m (geofence 1000 m + accuracy 10 m)", "0 м зайд"},
		{"50 m away", st, northOf(47.9189, 106.9176, 50, 0), 1000, iltod.CheckPass,
			"50 m from the station's location, within 1000 m", "50 м"},
		{"5 km away", st, northOf(47.9189, 106.9176, 5000, 20), 1000, iltod.CheckFail,
			"5000 m from the station's location, beyond 1020 m (geofence 1000 m + accuracy 20 m)", "хэтэрсэн"},
		// The accuracy widens the fence: 1100 m away with 150 m accuracy is within 1150 m.
		{"within by accuracy", st, northOf(47.9189, 106.9176, 1100, 150), 1000, iltod.CheckPass,
			"1100 m from the station's location, within 1150 m", "дотор"},
		{"boundary: exactly at the limit", st, northOf(47.9189, 106.9176, 1000, 0), 1000, iltod.CheckPass,
			"1000 m from the station's location, within 1000 m", ""},
		{"boundary: a metre beyond", st, northOf(47.9189, 106.9176, 1001, 0), 1000, iltod.CheckFail,
			"1001 m from the station's location, beyond 1000 m", ""},
		// Sükhbaatar Square, Ulaanbaatar, to Erdenet (49.0278, 104.0447): 245.04 km by
		// great circle on the mean sphere.
		{"far, in km", st, &iltod.Position{LatE6: 49027800, LonE6: 104044700}, 1500, iltod.CheckFail,
			"245 km from the station's location, beyond 1500 m", "245 км"},
		{"no position", st, nil, 1000, iltod.CheckSkipped, "the report carries no position", "мэдээнд байршил байхгүй"},
		{"no station location", iltod.Station{Code: "S2"}, northOf(47.9189, 106.9176, 10, 5), 1000, iltod.CheckSkipped,
			"the station has no coordinates", "хэсгийн координат тодорхойгүй"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := CheckGeofence(tc.st, tc.pos, tc.fence)
			if r.Code != Geofence || r.Outcome != tc.outcome {
				t.Fatalf("got %s %s (%s), want %s", r.Code, r.Outcome, r.DetailIn("en"), tc.outcome)
			}
			if !strings.HasPrefix(r.DetailIn("en"), tc.en) || r.Detail != "" {
				t.Errorf("detail %q, want it to begin %q", r.DetailIn("en"), tc.en)
			}
			if mn := r.Msg.In("mn"); !strings.Contains(mn, tc.mn) {
				t.Errorf("Mongolian %q, want it to hold %q", mn, tc.mn)
			}
		})
	}
}

func TestCheckDeviceClock(t *testing.T) {
	received := time.Date(2024, 6, 28, 14, 0, 0, 0, time.UTC)
	at := func(d time.Duration) string { return received.Add(d).Format(time.RFC3339) }
	tol := 15 * time.Minute
	cases := []struct {
		name             string
		deviceTime, sent string
		outcome          iltod.CheckOutcome
		en, mn           string
	}{
		{"in step", at(-time.Minute), at(0), iltod.CheckPass,
			"the phone's clock agrees with the server's to the second", "таарч"},
		{"a little slow", at(-time.Minute), at(-30 * time.Second), iltod.CheckPass,
			"the phone's clock is 30 seconds behind the server's, within the tolerance of 15 minutes", "30 секунд хоцорч"},
		{"ahead within", at(0), at(10 * time.Minute), iltod.CheckPass,
			"the phone's clock is 10 minutes ahead of the server's, within the tolerance of 15 minutes", "10 минут түрүүлж"},
		{"boundary: exactly the tolerance", at(0), at(-tol), iltod.CheckPass,
			"the phone's clock is 15 minutes behind the server's, within", ""},
		{"boundary: a second beyond, rounded up", at(-tol - time.Second), at(-tol - time.Second), iltod.CheckFail,
			"the phone's clock is 16 minutes behind the server's, beyond the tolerance of 15 minutes", "ердөө 15 минут"},
		{"two hours ahead", at(0), at(2 * time.Hour), iltod.CheckFail,
			"the phone's clock is 120 minutes ahead of the server's, beyond the tolerance of 15 minutes", "120 минут түрүүлж"},
		{"two hours behind", at(-3 * time.Hour), at(-2 * time.Hour), iltod.CheckFail,
			"the phone's clock is 120 minutes behind", "хоцорч"},
		// Queued offline for three hours: an old device_time with a right clock is fine.
		{"queued offline", at(-3 * time.Hour), at(2 * time.Second), iltod.CheckPass,
			"the phone's clock is 2 seconds ahead of the server's, within", ""},
		// A report dated in the future fails even when the header looks right.
		{"dated in the future", at(time.Hour), at(0), iltod.CheckFail,
			"the report is dated " + at(time.Hour) + ", 60 minutes after the server received it, beyond the tolerance of 15 minutes", "хойно"},
		{"future without header", at(time.Hour), "", iltod.CheckFail, "the report is dated", ""},
		{"future within the tolerance", at(10 * time.Minute), "", iltod.CheckSkipped, "the request did not carry", ""},
		{"no header", at(-3 * time.Hour), "", iltod.CheckSkipped,
			"the request did not carry the phone's clock (Iltod-Device-Time)", "ирээгүй"},
		{"unreadable header", at(0), "yesterday", iltod.CheckSkipped,
			`the phone's clock "yesterday" is not an RFC 3339 time`, "RFC 3339"},
		{"header with fractions and a zone", at(0), received.Add(5*time.Minute + 500*time.Millisecond).In(time.FixedZone("", 8*3600)).Format(time.RFC3339Nano), iltod.CheckPass,
			"the phone's clock is 5 minutes ahead", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := CheckDeviceClock(tc.deviceTime, tc.sent, received, tol)
			if r.Code != DeviceClock || r.Outcome != tc.outcome {
				t.Fatalf("got %s %s (%s), want %s", r.Code, r.Outcome, r.DetailIn("en"), tc.outcome)
			}
			if !strings.HasPrefix(r.DetailIn("en"), tc.en) || r.Detail != "" {
				t.Errorf("detail %q, want it to begin %q", r.DetailIn("en"), tc.en)
			}
			if mn := r.Msg.In("mn"); !strings.Contains(mn, tc.mn) {
				t.Errorf("Mongolian %q, want it to hold %q", mn, tc.mn)
			}
		})
	}
}

// FuzzParseDeviceTime feeds the header parser anything: it must not panic, and a time it
// accepts must be one that RFC 3339 writes back and reads again as the same instant.
func FuzzParseDeviceTime(f *testing.F) {
	for _, s := range []string{"2024-06-28T14:00:00Z", "2024-06-28T22:00:00.123+08:00", " 2024-06-28T14:00:00Z ",
		"", "yesterday", "2024-06-28", "2024-06-28T25:00:00Z", "9999-12-31T23:59:59.999999999-23:59", strings.Repeat("9", 100)} {
		f.Add(s)
	}
	received := time.Date(2024, 6, 28, 14, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		tm, ok := ParseDeviceTime(s)
		if ok {
			back, err := time.Parse(time.RFC3339Nano, tm.Format(time.RFC3339Nano))
			if err != nil || !back.Equal(tm) {
				t.Fatalf("%q parsed as %v, which does not read back (%v)", s, tm, err)
			}
		}
		r := CheckDeviceClock("2024-06-28T13:00:00Z", s, received, 15*time.Minute)
		if r.Code != DeviceClock || r.Msg == nil {
			t.Fatalf("%q: result %+v", s, r)
		}
		if !ok && strings.TrimSpace(s) != "" && r.Outcome != iltod.CheckSkipped {
			t.Fatalf("%q is not a time but the check decided %s", s, r.Outcome)
		}
	})
}
