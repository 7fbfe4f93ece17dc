// Command gen builds the Mongolia demonstration election package, demo/mongolia2024, from
// the hand-checked geography in demo/geo/mongolia.yaml and a fixed seed.
//
//	go run ./demo/gen                     from the repository root
//	go generate ./demo                    the same, through demo/demo.go
//	go run ./demo/gen -out /tmp/pkg       somewhere else (demo's test does this)
//
// The geography (aimags, soums, Ulaanbaatar's districts, the constituencies) is real and is
// read from the geography file; everything else is invented here: how the registered voters
// spread over polling stations, the parties, candidates and observers. Output is
// deterministic: the same geography file gives the same bytes. The generator checks the
// package with Package.Validate and reads it back with electionpkg before it is done; any
// problem stops it with a non-zero exit status.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/electionpkg"
)

// The fixed parameters of the demonstration.
const (
	electionID = "mn-2024-sgk-demo"
	// totalRegistered is the voter register of the 2024 State Great Khural election as
	// reported (REFERENCE.md §6); the demo spreads exactly this many voters over its stations.
	totalRegistered = 2_063_924
	seed            = 20240628

	bodyCode     = "sgk"
	tierDistrict = "constituency"
	tierList     = "list"
	listContest  = "LIST"

	// Target sizes of a polling station, in registered voters.
	ubStationSize     = 1220
	centreStationSize = 1000
	ruralStationMin   = 620 // a rural soum's target size is drawn from [min, max)
	ruralStationMax   = 900
	ruralStationLimit = 900  // no rural station above this
	ruralStationFloor = 150  // nor below this
	sizeJitter        = 0.12 // stations of one soum or khoroo differ by up to ±12% from their mean
	supervisors       = 100
	mobileObservers   = 240
)

// Strata of polling stations, for stratified PVT samples.
const (
	stratumUB     = "ulaanbaatar"
	stratumCentre = "aimag-centre"
	stratumRural  = "rural"
)

func main() {
	log := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "gen: "+format+"\n", args...) }
	geoPath := flag.String("geo", "", "the geography file (default: demo/geo/mongolia.yaml or geo/mongolia.yaml, whichever exists)")
	out := flag.String("out", "", "the package folder to write (default: demo/mongolia2024 or mongolia2024, beside the geography)")
	flag.Parse()
	if *geoPath == "" {
		for _, p := range []string{"demo/geo/mongolia.yaml", "geo/mongolia.yaml"} {
			if _, err := os.Stat(p); err == nil {
				*geoPath = p
				break
			}
		}
		if *geoPath == "" {
			log("cannot find geo/mongolia.yaml: run from the repository root or demo/, or give -geo")
			os.Exit(2)
		}
	}
	if *out == "" {
		*out = filepath.Join(filepath.Dir(filepath.Dir(*geoPath)), "mongolia2024")
	}
	g, err := readGeography(*geoPath)
	if err != nil {
		log("%v", err)
		os.Exit(1)
	}
	p := build(g)
	if err := p.Validate(); err != nil {
		log("the generated package is not valid:\n%v", err)
		os.Exit(1)
	}
	if err := write(*out, p); err != nil {
		log("%v", err)
		os.Exit(1)
	}
	s := p.Summarize()
	ub := 0
	for _, st := range p.Stations {
		if st.Stratum == stratumUB {
			ub += st.Registered
		}
	}
	fmt.Printf("wrote %s: %d areas (%d soums), %d stations, %d registered (Ulaanbaatar %.1f%%), %d contests, %d observers, %d forms\n",
		*out, s.Areas, countSoums(g), s.Stations, s.Registered, 100*float64(ub)/float64(s.Registered), s.Contests, s.Observers, s.Forms)
}

// write replaces the package folder dir with p and reads it back, so that a package the
// loader would refuse is never left behind silently.
func write(dir string, p *iltod.Package) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		if _, err := os.Stat(filepath.Join(dir, "election.yaml")); err != nil {
			return fmt.Errorf("refusing to replace %s: it is not empty and holds no election.yaml", dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("clear %s: %w", dir, err)
		}
	}
	if err := electionpkg.Write(dir, p); err != nil {
		return err
	}
	if _, err := electionpkg.ReadDir(dir); err != nil {
		return fmt.Errorf("read back %s: %w", dir, err)
	}
	return nil
}

// The geography file; see demo/geo/mongolia.yaml for the meaning of each field.
type geography struct {
	Country struct {
		Code   string     `yaml:"code"`
		Name   iltod.Text `yaml:"name"`
		Centre []float64  `yaml:"centre"`
	} `yaml:"country"`
	Regions []region `yaml:"regions"`
	Body    struct {
		Seats          int            `yaml:"seats"`
		Constituencies []constituency `yaml:"constituencies"`
		List           struct {
			Seats         int     `yaml:"seats"`
			Method        string  `yaml:"method"`
			Threshold     float64 `yaml:"threshold"`
			ThresholdBase string  `yaml:"threshold_base"`
		} `yaml:"list"`
	} `yaml:"body"`
}

type region struct {
	Key         string     `yaml:"key"`
	MapID       string     `yaml:"map_id"`
	Name        iltod.Text `yaml:"name"`
	Town        iltod.Text `yaml:"town"`
	Centre      []float64  `yaml:"centre"`
	Middle      []float64  `yaml:"middle"`
	Spread      []float64  `yaml:"spread"`
	VoterShare  float64    `yaml:"voter_share"`
	CentreShare float64    `yaml:"centre_share"`
	Soums       []soum     `yaml:"soums"`
	Districts   []district `yaml:"districts"`
}

type soum struct {
	MN     string  `yaml:"mn"`
	EN     string  `yaml:"en"`
	Centre bool    `yaml:"centre"`
	Weight float64 `yaml:"weight"`
}

type district struct {
	Key        string    `yaml:"key"`
	MN         string    `yaml:"mn"`
	EN         string    `yaml:"en"`
	Centre     []float64 `yaml:"centre"`
	VoterShare float64   `yaml:"voter_share"`
	Khoroos    int       `yaml:"khoroos"`
}

type constituency struct {
	Number int      `yaml:"number"`
	Seats  int      `yaml:"seats"`
	Areas  []string `yaml:"areas"`
}

func readGeography(path string) (*geography, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var g geography
	if err := dec.Decode(&g); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := g.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &g, nil
}

// check catches mistakes in the hand-written geography that Package.Validate would not:
// map ids that do not match keys, a missing centre soum, a region in no constituency.
func (g *geography) check() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	point := func(what string, p []float64) {
		if len(p) != 2 {
			bad("%s: want [lat, lon]", what)
		}
	}
	point("country.centre", g.Country.Centre)
	keys := map[string]string{} // region or district key → what it is
	for _, r := range g.Regions {
		if _, dup := keys[r.Key]; dup || r.Key == "" {
			bad("region %q: missing or duplicate key", r.Key)
		}
		keys[r.Key] = "region"
		if r.MapID != g.Country.Code+"."+r.Key {
			bad("region %s: map_id %q does not match its key", r.Key, r.MapID)
		}
		point("region "+r.Key+" centre", r.Centre)
		if r.VoterShare <= 0 {
			bad("region %s: voter_share must be positive", r.Key)
		}
		if len(r.Districts) > 0 {
			if len(r.Soums) > 0 {
				bad("region %s: has both soums and districts", r.Key)
			}
			for _, d := range r.Districts {
				if _, dup := keys[d.Key]; dup || d.Key == "" {
					bad("district %q: missing or duplicate key", d.Key)
				}
				keys[d.Key] = "district"
				point("district "+d.Key+" centre", d.Centre)
				if d.Khoroos < 1 || d.VoterShare <= 0 {
					bad("district %s: needs khoroos and a voter_share", d.Key)
				}
			}
			continue
		}
		point("region "+r.Key+" middle", r.Middle)
		point("region "+r.Key+" spread", r.Spread)
		if !(r.CentreShare > 0 && r.CentreShare < 1) {
			bad("region %s: centre_share must lie between 0 and 1", r.Key)
		}
		if len(r.Soums) == 0 || !r.Soums[0].Centre {
			bad("region %s: the first soum must be the aimag centre", r.Key)
		}
		names := map[string]bool{}
		for i, s := range r.Soums {
			if s.MN == "" || s.EN == "" || names[s.EN] {
				bad("region %s: soum %d (%s) is missing a name or listed twice", r.Key, i+1, s.EN)
			}
			names[s.EN] = true
			if i > 0 && s.Centre {
				bad("region %s: only the first soum may be the centre", r.Key)
			}
		}
	}
	seats := 0
	inContest := map[string]int{}
	for i, c := range g.Body.Constituencies {
		if c.Number != i+1 || c.Seats < 1 {
			bad("constituency %d: numbers must run from 1 and seats be positive", c.Number)
		}
		seats += c.Seats
		for _, a := range c.Areas {
			if keys[a] == "" {
				bad("constituency %d: unknown area %q", c.Number, a)
			}
			inContest[a]++
		}
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		kind := keys[k]
		if kind == "region" && k == "UB" {
			continue // Ulaanbaatar votes through its districts
		}
		if inContest[k] != 1 {
			bad("%s %s lies in %d constituencies, not 1", kind, k, inContest[k])
		}
	}
	if seats+g.Body.List.Seats != g.Body.Seats {
		bad("body: %d constituency seats and %d list seats do not make %d", seats, g.Body.List.Seats, g.Body.Seats)
	}
	return errors.Join(errs...)
}

func countSoums(g *geography) int {
	n := 0
	for _, r := range g.Regions {
		n += len(r.Soums)
	}
	return n
}

// rngFor returns the random stream for one part of the package, so that a change to how
// one part is drawn (say, observers) leaves the others as they were.
func rngFor(part uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, part)) }

// The parts, each with its own stream.
const (
	partVoters = iota + 1
	partPlaces
	partCandidates
	partObservers
)

// unit is a soum or a khoroo: the area whose voters are split into polling stations.
type unit struct {
	area    string     // area code
	prefix  string     // station code prefix
	region  int        // index in geography.Regions
	name    iltod.Text // for station names
	beat    string     // where a mobile observer may go: the soum, or the district of Ulaanbaatar
	ub      bool
	centre  bool
	voters  int
	loc     iltod.Point
	jitter  float64 // degrees around loc
	stratum string
}

func build(g *geography) *iltod.Package {
	p := &iltod.Package{Election: election(g)}
	country := g.Country.Code
	p.Areas = append(p.Areas, iltod.Area{Code: country, Level: iltod.LevelCountry, Name: g.Country.Name, Location: pt(g.Country.Centre)})

	rv := rngFor(partVoters)
	rp := rngFor(partPlaces)
	shares := make([]float64, len(g.Regions))
	for i, r := range g.Regions {
		shares[i] = r.VoterShare
	}
	regionVoters := apportion(totalRegistered, shares)
	var units []unit
	for ri, r := range g.Regions {
		code := regionCode(country, r.Key)
		p.Areas = append(p.Areas, iltod.Area{Code: code, Parent: country, Level: iltod.LevelRegion, Name: r.Name, Location: pt(r.Centre)})
		if len(r.Districts) > 0 {
			ds := make([]float64, len(r.Districts))
			for i, d := range r.Districts {
				ds[i] = d.VoterShare
			}
			dv := apportion(regionVoters[ri], ds)
			for di, d := range r.Districts {
				dcode := code + "-" + d.Key
				dname := iltod.Text{"mn": d.MN, "en": d.EN}
				p.Areas = append(p.Areas, iltod.Area{Code: dcode, Parent: code, Level: iltod.LevelDistrict, Name: dname, Location: pt(d.Centre)})
				kw := make([]float64, d.Khoroos)
				for k := range kw {
					kw[k] = 0.7 + 0.6*rv.Float64()
				}
				kv := apportion(dv[di], kw)
				for k := range d.Khoroos {
					kcode := fmt.Sprintf("%s-%02d", dcode, k+1)
					p.Areas = append(p.Areas, iltod.Area{Code: kcode, Parent: dcode, Level: iltod.LevelSubdistrict,
						Name: iltod.Text{"mn": fmt.Sprintf("%d-р хороо", k+1), "en": fmt.Sprintf("Khoroo %d", k+1)}})
					units = append(units, unit{
						area: kcode, prefix: fmt.Sprintf("%s-%s-%02d", r.Key, d.Key, k+1), region: ri, beat: dcode, ub: true,
						name: iltod.Text{
							"mn": fmt.Sprintf("%s дүүргийн %d-р хорооны", d.MN, k+1),
							"en": fmt.Sprintf("%s Khoroo %d,", d.EN, k+1),
						},
						voters: kv[k], loc: iltod.Point{Lat: d.Centre[0], Lon: d.Centre[1]}, jitter: 0.02, stratum: stratumUB,
					})
				}
			}
			continue
		}
		centreVoters := int(math.Round(float64(regionVoters[ri]) * r.CentreShare))
		sw := make([]float64, len(r.Soums)-1)
		for i, s := range r.Soums[1:] {
			w := s.Weight
			if w == 0 {
				w = 1
			}
			sw[i] = w * (0.6 + 0.9*rv.Float64())
		}
		sv := append([]int{centreVoters}, apportion(regionVoters[ri]-centreVoters, sw)...)
		for si, s := range r.Soums {
			scode := fmt.Sprintf("%s-%02d", code, si+1)
			var loc *iltod.Point
			if s.Centre {
				loc = pt(r.Centre)
			}
			p.Areas = append(p.Areas, iltod.Area{Code: scode, Parent: code, Level: iltod.LevelDistrict, Name: iltod.Text{"mn": s.MN, "en": s.EN}, Location: loc})
			u := unit{
				area: scode, prefix: fmt.Sprintf("%s-%02d", r.Key, si+1), region: ri, beat: scode, centre: s.Centre,
				name:   iltod.Text{"mn": s.MN + " сумын", "en": s.EN},
				voters: sv[si], stratum: stratumRural, jitter: 0.03,
			}
			if s.Centre {
				u.stratum, u.jitter = stratumCentre, 0.015
				u.loc = iltod.Point{Lat: r.Centre[0], Lon: r.Centre[1]}
			} else {
				// A demonstration place for the soum's stations: somewhere in the box around
				// the aimag's middle, not the soum's real position.
				u.loc = iltod.Point{
					Lat: r.Middle[0] + r.Spread[0]*(2*rp.Float64()-1),
					Lon: r.Middle[1] + r.Spread[1]*(2*rp.Float64()-1),
				}
			}
			units = append(units, u)
		}
	}
	p.Stations = stations(units, rv, rp)
	p.Contests = contests(g, p.Election.Parties)
	p.Observers = observers(g, units, p.Stations)
	p.Forms = forms(p.Election.Parties)
	return p
}

func regionCode(country, key string) string { return country + "-" + key }

func pt(ll []float64) *iltod.Point { return &iltod.Point{Lat: ll[0], Lon: ll[1]} }

// stations splits each unit's voters into polling stations of a realistic size.
func stations(units []unit, rv, rp *rand.Rand) []iltod.Station {
	var out []iltod.Station
	for _, u := range units {
		var n int
		switch {
		case u.ub:
			n = max(1, int(math.Round(float64(u.voters)/ubStationSize)))
		case u.centre:
			n = max(1, int(math.Round(float64(u.voters)/centreStationSize)))
		default:
			target := ruralStationMin + rv.Float64()*(ruralStationMax-ruralStationMin)
			n = max(1, int(math.Round(float64(u.voters)/target)))
			n = max(n, int(math.Ceil(float64(u.voters)*(1+sizeJitter)/ruralStationLimit)))
			n = min(n, max(1, u.voters/ruralStationFloor))
		}
		w := make([]float64, n)
		for i := range w {
			w[i] = 1 - sizeJitter + 2*sizeJitter*rv.Float64()
		}
		sizes := apportion(u.voters, w)
		for i, size := range sizes {
			ord := ordinal(i + 1)
			out = append(out, iltod.Station{
				Code: fmt.Sprintf("%s.%02d", u.prefix, i+1),
				Area: u.area,
				Name: iltod.Text{
					"mn": fmt.Sprintf("%s %d-р хэсэг", u.name["mn"], i+1),
					"en": fmt.Sprintf("%s %s station", u.name["en"], ord),
				},
				Registered: size,
				Stratum:    u.stratum,
				Location: &iltod.Point{
					Lat: round4(u.loc.Lat + u.jitter*(2*rp.Float64()-1)),
					Lon: round4(u.loc.Lon + 1.5*u.jitter*(2*rp.Float64()-1)),
				},
			})
		}
	}
	return out
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return fmt.Sprintf("%d%s", n, suffix)
}

// apportion splits total into whole parts proportional to weights by largest remainder,
// ties going to the earlier part, so that the parts always add up to total exactly.
func apportion(total int, weights []float64) []int {
	sum := 0.0
	for _, w := range weights {
		sum += w
	}
	parts := make([]int, len(weights))
	type rem struct {
		i int
		r float64
	}
	rems := make([]rem, len(weights))
	given := 0
	for i, w := range weights {
		q := float64(total) * w / sum
		parts[i] = int(math.Floor(q))
		given += parts[i]
		rems[i] = rem{i, q - math.Floor(q)}
	}
	slices.SortStableFunc(rems, func(a, b rem) int {
		switch {
		case a.r > b.r:
			return -1
		case a.r < b.r:
			return 1
		}
		return 0
	})
	for k := 0; given < total; k++ {
		parts[rems[k%len(rems)].i]++
		given++
	}
	return parts
}

// The fictional parties. Their names are invented; none is, or stands for, a real party.
var parties = []iltod.Party{
	{Code: "SWP", Name: iltod.Text{"mn": "Талын Салхи Нам", "en": "Steppe Wind Party"}, Short: iltod.Text{"mn": "ТСН", "en": "SWP"}, Color: "#2a6fb0"},
	{Code: "BRP", Name: iltod.Text{"mn": "Хөх Мөрөн Нам", "en": "Blue River Party"}, Short: iltod.Text{"mn": "ХМН", "en": "BRP"}, Color: "#c0392b"},
	{Code: "GSP", Name: iltod.Text{"mn": "Алтан Эмээл Нам", "en": "Golden Saddle Party"}, Short: iltod.Text{"mn": "АЭН", "en": "GSP"}, Color: "#d4a017"},
	{Code: "NDM", Name: iltod.Text{"mn": "Шинэ Үүр Хөдөлгөөн", "en": "New Dawn Movement"}, Short: iltod.Text{"mn": "ШҮХ", "en": "NDM"}, Color: "#7b3fa0"},
	{Code: "CSC", Name: iltod.Text{"mn": "Тунгалаг Булаг Эвсэл", "en": "Clear Spring Coalition"}, Short: iltod.Text{"mn": "ТБЭ", "en": "CSC"}, Color: "#1e9e6a"},
	{Code: "FHU", Name: iltod.Text{"mn": "Эсгий Гэрийн Холбоо", "en": "Felt Home Union"}, Short: iltod.Text{"mn": "ЭГХ", "en": "FHU"}, Color: "#8c6d46"},
	{Code: "CVP", Name: iltod.Text{"mn": "Жингийн Замын Нам", "en": "Caravan Road Party"}, Short: iltod.Text{"mn": "ЖЗН", "en": "CVP"}, Color: "#e67e22"},
}

func election(g *geography) iltod.Election {
	seats := 0
	for _, c := range g.Body.Constituencies {
		seats += c.Seats
	}
	return iltod.Election{
		ID: electionID,
		Name: iltod.Text{
			"mn": "Улсын Их Хурлын 2024 оны ээлжит сонгууль (жишээ өгөгдөл)",
			"en": "State Great Khural election 2024 (demonstration data)",
		},
		Date:      "2024-06-28",
		Kind:      "parliamentary",
		Country:   g.Country.Code,
		Languages: []string{"mn", "en"},
		Demo:      true,
		Parties:   parties,
		Bodies: []iltod.Body{{
			Code:  bodyCode,
			Name:  iltod.Text{"mn": "Улсын Их Хурал", "en": "State Great Khural"},
			Seats: g.Body.Seats,
			Tiers: []iltod.Tier{
				{Code: tierDistrict, Name: iltod.Text{"mn": "Сонгуулийн тойрог", "en": "Constituencies"}, Seats: seats},
				{Code: tierList, Name: iltod.Text{"mn": "Улсын хэмжээний намын жагсаалт", "en": "National party lists"}, Seats: g.Body.List.Seats},
			},
		}},
		// Station coordinates of a real register are often those of the building's
		// address, not its door: a geofence a little wider than the default.
		Observation: &iltod.ObservationSettings{GeofenceMetres: 1500, ClockSkewSeconds: 900},
	}
}

func contests(g *geography, parties []iltod.Party) []iltod.Contest {
	r := rngFor(partCandidates)
	names := newNamer(r)
	areaCode := map[string]string{}
	areaName := map[string]iltod.Text{}
	for _, reg := range g.Regions {
		code := regionCode(g.Country.Code, reg.Key)
		areaCode[reg.Key], areaName[reg.Key] = code, reg.Name
		for _, d := range reg.Districts {
			areaCode[d.Key] = code + "-" + d.Key
			areaName[d.Key] = iltod.Text{"mn": d.MN, "en": d.EN}
		}
	}
	var out []iltod.Contest
	for _, c := range g.Body.Constituencies {
		code := fmt.Sprintf("C%02d", c.Number)
		var areas, mn, en []string
		for _, a := range c.Areas {
			areas = append(areas, areaCode[a])
			mn = append(mn, areaName[a]["mn"])
			en = append(en, areaName[a]["en"])
		}
		out = append(out, iltod.Contest{
			Code: code,
			Name: iltod.Text{
				"mn": fmt.Sprintf("%d-р тойрог (%s)", c.Number, strings.Join(mn, ", ")),
				"en": fmt.Sprintf("Constituency %d (%s)", c.Number, strings.Join(en, ", ")),
			},
			Body: bodyCode, Tier: tierDistrict,
			Areas:   areas,
			Seats:   c.Seats,
			System:  iltod.System{Kind: iltod.BlockVote},
			Choices: candidates(code, c.Seats, parties, r, names),
		})
	}
	lists := make([]iltod.Choice, len(parties))
	for i, pty := range parties {
		lists[i] = iltod.Choice{Code: "L-" + pty.Code, Kind: iltod.PartyList, Name: pty.Name, Party: pty.Code, Ballot: i + 1}
	}
	l := g.Body.List
	out = append(out, iltod.Contest{
		Code:    listContest,
		Name:    iltod.Text{"mn": "Улсын хэмжээний намын жагсаалт", "en": "National party lists"},
		Body:    bodyCode,
		Tier:    tierList,
		Areas:   []string{g.Country.Code},
		Seats:   l.Seats,
		System:  iltod.System{Kind: iltod.ListPR, Method: l.Method, Threshold: l.Threshold, ThresholdBase: l.ThresholdBase},
		Choices: lists,
	})
	return out
}

// candidates draws a block-vote ballot of about 2 to 3 candidates a seat: the two largest
// parties field a full slate, the next two part of one, the small parties and independents
// one candidate or none. The ballot groups candidates by party in an order drawn by lot.
func candidates(contest string, seats int, parties []iltod.Party, r *rand.Rand, names *namer) []iltod.Choice {
	type slate struct {
		party string
		n     int
	}
	var slates []slate
	for i, pty := range parties {
		n := 0
		switch i {
		case 0, 1:
			n = seats
		case 2:
			n = max(1, int(math.Round(0.4*float64(seats))))
		case 3:
			n = int(math.Round(0.2 * float64(seats)))
		default:
			if r.Float64() < 0.4 {
				n = 1
			}
		}
		if n > 0 {
			slates = append(slates, slate{pty.Code, n})
		}
	}
	r.Shuffle(len(slates), func(i, j int) { slates[i], slates[j] = slates[j], slates[i] })
	if r.Float64() < 0.5 {
		slates = append(slates, slate{"", 1}) // an independent, listed last
	}
	var out []iltod.Choice
	for _, s := range slates {
		group := make([]iltod.Text, s.n)
		for i := range group {
			group[i] = names.candidate()
		}
		slices.SortFunc(group, func(a, b iltod.Text) int { return strings.Compare(a["mn"], b["mn"]) })
		for _, name := range group {
			ballot := len(out) + 1
			out = append(out, iltod.Choice{Code: fmt.Sprintf("%s-%02d", contest, ballot), Kind: iltod.Candidate, Name: name, Party: s.party, Ballot: ballot})
		}
	}
	return out
}

// observers assigns about 2,500 observers: one static observer at most stations (two at a
// few, none at some), mobile observers who visit a handful of stations in one soum or
// district, and supervisors shared out over the regions by their number of stations.
func observers(g *geography, units []unit, sts []iltod.Station) []iltod.Observer {
	r := rngFor(partObservers)
	names := newNamer(r)
	codes := map[string]bool{}
	newCode := func() string {
		for {
			c := fmt.Sprintf("%06d", 100000+r.IntN(900000))
			if !codes[c] {
				codes[c] = true
				return c
			}
		}
	}
	phones := map[string]bool{}
	newPhone := func() string {
		for {
			// +976 00…: Mongolian numbers never begin with 0, so these reach no one.
			ph := fmt.Sprintf("+97600%06d", r.IntN(1_000_000))
			if !phones[ph] {
				phones[ph] = true
				return ph
			}
		}
	}
	newPhones := func() []string {
		if r.Float64() < 0.1 {
			return []string{newPhone(), newPhone()}
		}
		return []string{newPhone()}
	}

	// Which region, and which unit, each station lies in.
	unitOf := map[string]int{}
	for i, u := range units {
		unitOf[u.area] = i
	}
	byRegion := make([][]int, len(g.Regions)) // station indexes
	for i, s := range sts {
		ri := units[unitOf[s.Area]].region
		byRegion[ri] = append(byRegion[ri], i)
	}
	weights := make([]float64, len(g.Regions))
	for i, b := range byRegion {
		weights[i] = float64(len(b))
	}
	perRegion := apportion(supervisors, weights)
	var sups []iltod.Observer
	supOf := make([]string, len(sts)) // the supervisor of each station's observers
	for ri, b := range byRegion {
		n := max(1, perRegion[ri])
		first := len(sups)
		for range n {
			sups = append(sups, iltod.Observer{Code: newCode(), Name: names.observer(), Phones: newPhones(), Role: iltod.Supervisor})
		}
		for k, si := range b {
			supOf[si] = sups[first+k*n/len(b)].Code
		}
	}
	var static []iltod.Observer
	for i, s := range sts {
		n := 1
		switch x := r.Float64(); {
		case x < 0.05:
			n = 0
		case x < 0.08:
			n = 2
		}
		for range n {
			static = append(static, iltod.Observer{Code: newCode(), Name: names.observer(), Phones: newPhones(),
				Stations: []string{s.Code}, Role: iltod.Static, Supervisor: supOf[i]})
		}
	}
	var mobile []iltod.Observer
	for range mobileObservers {
		start := r.IntN(len(sts))
		k := 3 + r.IntN(4)
		var visit []string
		beat := units[unitOf[sts[start].Area]].beat
		for i := start; i < len(sts) && len(visit) < k && units[unitOf[sts[i].Area]].beat == beat; i++ {
			visit = append(visit, sts[i].Code)
		}
		mobile = append(mobile, iltod.Observer{Code: newCode(), Name: names.observer(), Phones: newPhones(),
			Stations: visit, Role: iltod.Mobile, Supervisor: supOf[start]})
	}
	return slices.Concat(sups, static, mobile)
}
