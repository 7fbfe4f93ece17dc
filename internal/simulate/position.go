package simulate

import (
	"math"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/qa"
)

// The phones' positions. Most observers let the app read their position, and report from
// inside or just outside the polling station, so an honest report never breaks the
// geofence (1000 m by default).
const (
	// locationShare is the share of observers who let the app read the position.
	locationShare = 0.75
	// nearMetres bounds how far from the station's coordinates an honest report is made.
	nearMetres = 250
)

// position returns where observer's phone was when finishing a report at st (salt
// tells apart reports of the same observer, station and form), or nil when the observer
// does not share a position or st has no location. It draws from its own generators, so
// that positions change no other part of the plan.
func position(seed int64, observer string, st *iltod.Station, form, salt string) *iltod.Position {
	if st.Location == nil || seeded(seed, "location", observer).Float64() >= locationShare {
		return nil
	}
	g := seeded(seed, "position", observer, st.Code, form, salt)
	d := nearMetres * math.Sqrt(g.Float64()) // uniform over the disc
	bearing := 2 * math.Pi * g.Float64()
	metresPerDegree := 2 * math.Pi * qa.EarthRadius / 360
	lat := st.Location.Lat + d*math.Cos(bearing)/metresPerDegree
	lon := st.Location.Lon + d*math.Sin(bearing)/(metresPerDegree*max(math.Cos(st.Location.Lat*math.Pi/180), 0.01))
	lat = min(max(lat, -90), 90)
	lon = math.Remainder(lon, 360) // back within ±180
	return &iltod.Position{
		LatE6:     int64(math.Round(lat * 1e6)),
		LonE6:     int64(math.Round(lon * 1e6)),
		AccuracyM: 5 + g.Int64N(60),
	}
}
