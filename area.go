package iltod

import (
	"fmt"
	"regexp"
	"strconv"
)

// Level is the rank of an area in the tree: country → region → district → subdistrict.
// Polling stations hang below areas of any level but the country.
type Level string

// The area levels, from the top. In Mongolia: the country, the aimags and the capital, the
// soums and the capital's düüregs, and the bags and khoroos.
const (
	LevelCountry     Level = "country"
	LevelRegion      Level = "region"
	LevelDistrict    Level = "district"
	LevelSubdistrict Level = "subdistrict"
)

// Levels lists the levels from the top.
var Levels = []Level{LevelCountry, LevelRegion, LevelDistrict, LevelSubdistrict}

// Rank returns 0 for the country, increasing downwards, and -1 for an unknown level.
func (l Level) Rank() int {
	for i, v := range Levels {
		if v == l {
			return i
		}
	}
	return -1
}

// Area is a node of the geographic tree. An election has exactly one area of level
// country, the root; every other area names a parent of a higher level.
type Area struct {
	Code     string `json:"code"`
	Parent   string `json:"parent,omitempty"`
	Level    Level  `json:"level"`
	Name     Text   `json:"name"`
	Location *Point `json:"location,omitempty"`
}

// Validate checks the area's own fields. The parent is checked by Package.Validate.
func (a *Area) Validate() error {
	var ps problems
	checkCode(&ps, "code", a.Code)
	switch {
	case a.Level.Rank() < 0:
		ps.msg("level", "error.package.one_of", "Value", strconv.Quote(truncate(string(a.Level), 30)), "Options", Lit("country, region, district, subdistrict"))
	case a.Level == LevelCountry && a.Parent != "":
		ps.msg("parent", "error.package.country_parent")
	case a.Level != LevelCountry && a.Parent == "":
		ps.msg("parent", "error.package.required_for", "Level", a.Level)
	}
	ps.nest("name", a.Name.Validate())
	if a.Location != nil {
		ps.nest("location", a.Location.Validate())
	}
	return ps.list.Err()
}

// MaxRegistered bounds the registered voters of one station, to catch typing errors.
const MaxRegistered = 1_000_000

var stratumRe = regexp.MustCompile(`^[\p{L}\p{N}._ -]{0,64}$`)

// Station is a polling station.
type Station struct {
	Code string `json:"code"`
	// Area is the code of the area the station lies in (any level below the country).
	Area     string `json:"area"`
	Name     Text   `json:"name"`
	Location *Point `json:"location,omitempty"`
	// Registered is the number of voters on the station's register.
	Registered int `json:"registered"`
	// Stratum labels the station for stratified sampling, e.g. "urban" or an aimag code.
	Stratum string `json:"stratum,omitempty"`
}

// Validate checks the station's own fields. The area is checked by Package.Validate.
func (s *Station) Validate() error {
	var ps problems
	checkCode(&ps, "code", s.Code)
	if s.Area == "" {
		ps.msg("area", "error.package.required")
	}
	ps.nest("name", s.Name.Validate())
	if s.Location != nil {
		ps.nest("location", s.Location.Validate())
	}
	if s.Registered < 0 || s.Registered > MaxRegistered {
		ps.msg("registered", "error.package.outside", "Value", s.Registered, "Max", MaxRegistered)
	}
	if !stratumRe.MatchString(s.Stratum) {
		ps.msg("stratum", "error.package.bad_stratum", "Value", strconv.Quote(truncate(s.Stratum, 70)))
	}
	return ps.list.Err()
}

// AreaIndex answers questions about an election's area tree. Build it with NewAreaIndex
// from areas that passed Package.Validate; it is safe for concurrent reads.
type AreaIndex struct {
	byCode   map[string]*Area
	children map[string][]string
}

// NewAreaIndex indexes areas. Unknown parents are kept as given; Ancestors stops at them.
func NewAreaIndex(areas []Area) *AreaIndex {
	ix := &AreaIndex{byCode: make(map[string]*Area, len(areas)), children: map[string][]string{}}
	for i := range areas {
		a := &areas[i]
		ix.byCode[a.Code] = a
		ix.children[a.Parent] = append(ix.children[a.Parent], a.Code)
	}
	return ix
}

// Area returns the area with the given code.
func (ix *AreaIndex) Area(code string) (*Area, bool) {
	a, ok := ix.byCode[code]
	return a, ok
}

// Children returns the codes of the direct children of code, in input order; "" gives the roots.
func (ix *AreaIndex) Children(code string) []string { return ix.children[code] }

// Path returns the codes from the root down to and including code. It stops early at an
// unknown parent or a cycle, so it always terminates.
func (ix *AreaIndex) Path(code string) []string {
	var rev []string
	seen := map[string]bool{}
	for c := code; c != "" && !seen[c]; {
		seen[c] = true
		rev = append(rev, c)
		a, ok := ix.byCode[c]
		if !ok {
			break
		}
		c = a.Parent
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}

// Within reports whether area code lies at or below ancestor.
func (ix *AreaIndex) Within(code, ancestor string) bool {
	for _, c := range ix.Path(code) {
		if c == ancestor {
			return true
		}
	}
	return false
}

func indexField(name string, i int) string { return fmt.Sprintf("%s[%d]", name, i) }
