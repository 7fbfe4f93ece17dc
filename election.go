package iltod

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Election is one election day on which observers report: its contests, geography,
// observers and forms all belong to it. One install holds many elections.
type Election struct {
	// ID is the stable identifier, e.g. "mn-2024-sgk". It appears in URLs and in log leaves.
	ID   string `json:"id"`
	Name Text   `json:"name"`
	// Date is election day as YYYY-MM-DD.
	Date string `json:"date"`
	// Kind is free text such as "parliamentary", "presidential" or "local".
	Kind string `json:"kind"`
	// Country is the ISO 3166-1 alpha-2 code of the country, e.g. "MN".
	Country string `json:"country"`
	// Languages lists the languages of the election's texts, the first being the default.
	Languages []string `json:"languages"`
	// Demo marks demonstration data; every page and export of it says so.
	Demo bool `json:"demo,omitempty"`
	// Parties are the parties and coalitions that candidates and lists belong to.
	Parties []Party `json:"parties,omitempty"`
	// Bodies are the bodies elected, each with its tiers (a parallel system has two).
	Bodies []Body `json:"bodies,omitempty"`
	// Observation sets how the observers' reports are checked for place and time; nil
	// gives the defaults. Read it through GeofenceMetres and ClockSkew.
	Observation *ObservationSettings `json:"observation,omitempty"`
	// Taxonomy is the incident taxonomy the election's package brings (its
	// taxonomy.yaml, parsed and kept as JSON, category codes in full), or nil for the
	// default one. Package incident reads it (incident.FromJSON); the root package only
	// carries it, so that it is stored with the election.
	Taxonomy json.RawMessage `json:"taxonomy,omitempty"`
}

// ObservationSettings are an election's tolerances for where and when observers report
// (election.observation in election.yaml). A zero field takes its default.
type ObservationSettings struct {
	// GeofenceMetres is how far from its station's location a report may be made, in
	// metres, before the geofence check fails (the device's stated accuracy is added).
	GeofenceMetres int `json:"geofence_m,omitempty"`
	// ClockSkewSeconds is how far a device's clock may be from the server's before the
	// device-clock check fails.
	ClockSkewSeconds int `json:"clock_skew_s,omitempty"`
}

// Defaults and limits of ObservationSettings.
const (
	DefaultGeofenceMetres   = 1000
	MaxGeofenceMetres       = 100_000
	DefaultClockSkewSeconds = 900
	MaxClockSkewSeconds     = 86_400
)

// GeofenceMetres returns the election's geofence in metres: Observation's, or
// DefaultGeofenceMetres when it sets none. It and ClockSkew take a value, so that they
// can be called on an Election returned by value.
func (e Election) GeofenceMetres() int {
	if e.Observation != nil && e.Observation.GeofenceMetres > 0 {
		return e.Observation.GeofenceMetres
	}
	return DefaultGeofenceMetres
}

// ClockSkew returns how far a device's clock may be from the server's: Observation's
// ClockSkewSeconds, or DefaultClockSkewSeconds when it sets none.
func (e Election) ClockSkew() time.Duration {
	s := DefaultClockSkewSeconds
	if e.Observation != nil && e.Observation.ClockSkewSeconds > 0 {
		s = e.Observation.ClockSkewSeconds
	}
	return time.Duration(s) * time.Second
}

// Validate reports a geofence outside 1..MaxGeofenceMetres and a clock skew outside
// 1..MaxClockSkewSeconds. A field left at zero means the default and is valid.
func (o *ObservationSettings) Validate() error {
	var ps problems
	if o.GeofenceMetres < 0 || o.GeofenceMetres > MaxGeofenceMetres {
		ps.msg("geofence_m", "error.observation.geofence", "Value", o.GeofenceMetres, "Max", MaxGeofenceMetres)
	}
	if o.ClockSkewSeconds < 0 || o.ClockSkewSeconds > MaxClockSkewSeconds {
		ps.msg("clock_skew_s", "error.observation.clock_skew", "Value", o.ClockSkewSeconds, "Max", MaxClockSkewSeconds)
	}
	return ps.list.Err()
}

// Party is a party or coalition.
type Party struct {
	Code  string `json:"code"`
	Name  Text   `json:"name"`
	Short Text   `json:"short,omitempty"`
	// Color is an optional display colour, "#rrggbb".
	Color string `json:"color,omitempty"`
}

// Body is an elected body such as a parliament. Its seats are the sum of its tiers' seats.
type Body struct {
	Code  string `json:"code"`
	Name  Text   `json:"name"`
	Seats int    `json:"seats"`
	Tiers []Tier `json:"tiers"`
}

// Tier is one way of filling some of a body's seats, e.g. the constituency tier or the
// national list tier of a parallel system. Its seats are the sum of its contests' seats,
// and a polling station lies in at most one contest of each tier.
type Tier struct {
	Code  string `json:"code"`
	Name  Text   `json:"name"`
	Seats int    `json:"seats"`
}

var (
	countryRe = regexp.MustCompile(`^[A-Z]{2}$`)
	colorRe   = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
)

// ValidElectionID reports whether s is 1 to 64 lower-case letters, digits and hyphens,
// the first not a hyphen: the regular expression ^[a-z0-9][a-z0-9-]{0,63}$ written out,
// since every log leaf and every public page's request checks one.
func ValidElectionID(s string) bool {
	if len(s) == 0 || len(s) > 64 || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-':
		default:
			return false
		}
	}
	return true
}

// Validate checks the election's own fields, its parties and its bodies. That the seats of
// each tier add up to its contests is checked by Package.Validate.
func (e *Election) Validate() error {
	var ps problems
	if !ValidElectionID(e.ID) {
		ps.msg("id", "error.package.bad_election_id_chars", "Value", strconv.Quote(truncate(e.ID, 70)))
	}
	ps.nest("name", e.Name.Validate())
	if _, err := time.Parse(time.DateOnly, e.Date); err != nil {
		ps.msg("date", "error.package.bad_date", "Value", strconv.Quote(truncate(e.Date, 30)))
	}
	if msg := checkString(e.Kind, 64); msg.Key != "" {
		ps.put("kind", msg)
	}
	if !countryRe.MatchString(e.Country) {
		ps.msg("country", "error.package.bad_country", "Value", strconv.Quote(truncate(e.Country, 10)))
	}
	if len(e.Languages) == 0 {
		ps.msg("languages", "error.package.need_language")
	}
	seen := map[string]bool{}
	for i, l := range e.Languages {
		if !langRe.MatchString(l) {
			ps.msg(fmt.Sprintf("languages[%d]", i), "error.package.bad_language", "Value", strconv.Quote(truncate(l, 10)))
		} else if seen[l] {
			ps.msg(fmt.Sprintf("languages[%d]", i), "error.package.listed_twice", "Value", strconv.Quote(l))
		}
		seen[l] = true
	}
	if e.Observation != nil {
		ps.nest("observation", e.Observation.Validate())
	}
	parties := map[string]bool{}
	for i, p := range e.Parties {
		f := fmt.Sprintf("parties[%d]", i)
		checkCode(&ps, f+".code", p.Code)
		if parties[p.Code] {
			ps.msg(f+".code", "error.package.duplicate_party", "Code", strconv.Quote(p.Code))
		}
		parties[p.Code] = true
		ps.nest(f+".name", p.Name.Validate())
		if p.Short != nil {
			ps.nest(f+".short", p.Short.Validate())
		}
		if p.Color != "" && !colorRe.MatchString(p.Color) {
			ps.msg(f+".color", "error.package.bad_colour", "Value", strconv.Quote(truncate(p.Color, 10)))
		}
	}
	bodies := map[string]bool{}
	for i, b := range e.Bodies {
		f := fmt.Sprintf("bodies[%d]", i)
		checkCode(&ps, f+".code", b.Code)
		if bodies[b.Code] {
			ps.msg(f+".code", "error.package.duplicate_body", "Code", strconv.Quote(b.Code))
		}
		bodies[b.Code] = true
		ps.nest(f+".name", b.Name.Validate())
		if b.Seats < 1 {
			ps.msg(f+".seats", "error.package.at_least_1")
		}
		if len(b.Tiers) == 0 {
			ps.msg(f+".tiers", "error.package.need_tier")
		}
		sum := 0
		tiers := map[string]bool{}
		for j, t := range b.Tiers {
			tf := fmt.Sprintf("%s.tiers[%d]", f, j)
			checkCode(&ps, tf+".code", t.Code)
			if tiers[t.Code] {
				ps.msg(tf+".code", "error.package.duplicate_tier", "Code", strconv.Quote(t.Code))
			}
			tiers[t.Code] = true
			ps.nest(tf+".name", t.Name.Validate())
			if t.Seats < 1 {
				ps.msg(tf+".seats", "error.package.at_least_1")
			}
			sum += t.Seats
		}
		if len(b.Tiers) > 0 && sum != b.Seats {
			ps.msg(f+".seats", "error.package.body_seats", "Seats", b.Seats, "Sum", sum)
		}
	}
	return ps.list.Err()
}

// Party returns the party with the given code.
func (e *Election) Party(code string) (Party, bool) {
	for _, p := range e.Parties {
		if p.Code == code {
			return p, true
		}
	}
	return Party{}, false
}

// Tier returns the tier with the given body and tier codes.
func (e *Election) Tier(body, tier string) (Tier, bool) {
	for _, b := range e.Bodies {
		if b.Code != body {
			continue
		}
		for _, t := range b.Tiers {
			if t.Code == tier {
				return t, true
			}
		}
	}
	return Tier{}, false
}
