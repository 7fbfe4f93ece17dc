package iltod

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Package is a whole election as loaded from, or exported to, an election package: the
// election with its parties and bodies, the area tree, stations, contests, observers and
// forms. Order within each slice is kept, so that an export reads like its source.
type Package struct {
	Election  Election   `json:"election"`
	Areas     []Area     `json:"areas"`
	Stations  []Station  `json:"stations"`
	Contests  []Contest  `json:"contests"`
	Observers []Observer `json:"observers"`
	Forms     []Form     `json:"forms"`
}

// Record names used in Problem.Record.
const (
	RecordElection = "election"
	RecordArea     = "area"
	RecordStation  = "station"
	RecordContest  = "contest"
	RecordObserver = "observer"
	RecordForm     = "form"
)

// Limits on one package, so that a mistaken file cannot exhaust the server.
const (
	MaxAreas     = 1_000_000
	MaxStations  = 2_000_000
	MaxContests  = 10_000
	MaxChoices   = 1_000
	MaxObservers = 4_000_000
	MaxForms     = 1_000
)

// Validate checks every record and every reference between records: unique codes, a
// single country at the root, parents of a higher level, stations in known areas, contests
// in known tiers and areas with no station in two contests of one tier, seats that add up
// from contests to tiers to bodies, parties that exist, observers assigned to known
// stations with supervisors who are supervisors, and results questions that name contests
// and choices that exist. It returns nil or Problems, each with Record and Index set.
func (p *Package) Validate() error {
	v := validator{p: p}
	v.run()
	return v.out.Err()
}

type validator struct {
	p   *Package
	out Problems
}

func (v *validator) add(record string, index int, field, format string, args ...any) {
	v.out = append(v.out, Problem{Record: record, Index: index, Field: field, Message: fmt.Sprintf(format, args...)})
}

// msg adds the problem of a record's field whose message is the catalogue's key, its
// placeholders filled from pairs (see lits).
func (v *validator) msg(record string, index int, field, key string, pairs ...any) {
	p := Problemf(field, Msg(key, Lits(pairs...)))
	p.Record, p.Index = record, index
	v.out = append(v.out, p)
}

func (v *validator) self(record string, index int, err error) {
	if err == nil {
		return
	}
	var ps problems
	ps.nest("", err)
	for _, p := range ps.list {
		p.Record, p.Index = record, index
		if len(p.Field) > 0 && p.Field[0] == '.' {
			p.Field = p.Field[1:]
		}
		v.out = append(v.out, p)
	}
}

func (v *validator) run() {
	p := v.p
	v.self(RecordElection, 0, p.Election.Validate())
	if len(p.Areas) > MaxAreas || len(p.Stations) > MaxStations || len(p.Contests) > MaxContests ||
		len(p.Observers) > MaxObservers || len(p.Forms) > MaxForms {
		v.msg(RecordElection, 0, "", "error.package.size_limit",
			"Areas", MaxAreas, "Stations", MaxStations, "Contests", MaxContests, "Observers", MaxObservers, "Forms", MaxForms)
		return
	}
	areas := v.areas()
	stations := v.stations(areas)
	contests := v.contests(areas)
	v.observers(stations)
	v.forms(contests)
}

func (v *validator) areas() map[string]*Area {
	byCode := make(map[string]*Area, len(v.p.Areas))
	first := map[string]int{}
	roots := 0
	for i := range v.p.Areas {
		a := &v.p.Areas[i]
		v.self(RecordArea, i, a.Validate())
		if j, dup := first[a.Code]; dup {
			v.msg(RecordArea, i, "code", "error.package.duplicate_area", "Code", strconv.Quote(a.Code), "First", j+1)
			continue
		}
		first[a.Code] = i
		byCode[a.Code] = a
		if a.Level == LevelCountry {
			roots++
			if roots > 1 {
				v.msg(RecordArea, i, "level", "error.package.second_country")
			}
		}
	}
	if roots == 0 && len(v.p.Areas) > 0 {
		v.msg(RecordArea, 0, "level", "error.package.no_country")
	}
	if len(v.p.Areas) == 0 {
		v.msg(RecordElection, 0, "areas", "error.package.no_areas")
	}
	for i := range v.p.Areas {
		a := &v.p.Areas[i]
		if a.Parent == "" || a.Level.Rank() < 0 {
			continue
		}
		parent, ok := byCode[a.Parent]
		switch {
		case !ok:
			v.msg(RecordArea, i, "parent", "error.package.unknown_parent", "Area", strconv.Quote(truncate(a.Parent, 70)))
		case parent.Level.Rank() >= a.Level.Rank():
			v.msg(RecordArea, i, "parent", "error.package.parent_level", "Parent", strconv.Quote(a.Parent), "ParentLevel", parent.Level, "Level", a.Level)
		}
	}
	return byCode
}

func (v *validator) stations(areas map[string]*Area) map[string]*Station {
	byCode := make(map[string]*Station, len(v.p.Stations))
	for i := range v.p.Stations {
		s := &v.p.Stations[i]
		v.self(RecordStation, i, s.Validate())
		if _, dup := byCode[s.Code]; dup {
			v.msg(RecordStation, i, "code", "error.package.duplicate_station", "Code", strconv.Quote(s.Code))
			continue
		}
		byCode[s.Code] = s
		if s.Area == "" {
			continue
		}
		a, ok := areas[s.Area]
		switch {
		case !ok:
			v.msg(RecordStation, i, "area", "error.package.unknown_area", "Area", strconv.Quote(truncate(s.Area, 70)))
		case a.Level == LevelCountry:
			v.msg(RecordStation, i, "area", "error.package.station_country", "Area", strconv.Quote(s.Area))
		}
	}
	return byCode
}

func (v *validator) contests(areas map[string]*Area) map[string]*Contest {
	e := &v.p.Election
	ix := NewAreaIndex(v.p.Areas)
	byCode := make(map[string]*Contest, len(v.p.Contests))
	tierSeats := map[string]int{}
	type claim struct {
		area           string
		contest, field int
	}
	claims := map[string][]claim{} // tier → the areas its contests claim
	for i := range v.p.Contests {
		c := &v.p.Contests[i]
		v.self(RecordContest, i, c.Validate())
		if _, dup := byCode[c.Code]; dup {
			v.msg(RecordContest, i, "code", "error.package.duplicate_contest", "Code", strconv.Quote(c.Code))
			continue
		}
		byCode[c.Code] = c
		if len(c.Choices) > MaxChoices {
			v.msg(RecordContest, i, "choices", "error.package.too_many_choices", "Count", len(c.Choices), "Max", MaxChoices)
		}
		for j, ch := range c.Choices {
			if ch.Party != "" {
				if _, ok := e.Party(ch.Party); !ok {
					v.msg(RecordContest, i, fmt.Sprintf("choices[%d].party", j), "error.package.unknown_party", "Party", strconv.Quote(truncate(ch.Party, 70)))
				}
			}
		}
		for j, a := range c.Areas {
			if _, ok := areas[a]; !ok {
				v.msg(RecordContest, i, fmt.Sprintf("areas[%d]", j), "error.package.unknown_area", "Area", strconv.Quote(truncate(a, 70)))
			}
		}
		if c.Body == "" {
			continue
		}
		if _, ok := e.Tier(c.Body, c.Tier); !ok {
			v.msg(RecordContest, i, "tier", "error.package.no_tier", "Tier", strconv.Quote(truncate(c.Tier, 70)), "Body", strconv.Quote(truncate(c.Body, 70)))
			continue
		}
		ref := c.TierRef()
		tierSeats[ref] += c.Seats
		for j, a := range c.Areas {
			claims[ref] = append(claims[ref], claim{area: a, contest: i, field: j})
		}
	}
	v.compensation(byCode)
	// A station votes in at most one contest of a tier: no area of a contest may lie at
	// or below an area of another contest of the same tier.
	for ref, cs := range claims {
		owner := map[string]int{}
		for _, cl := range cs {
			if _, ok := owner[cl.area]; !ok {
				owner[cl.area] = cl.contest
			}
		}
		for _, cl := range cs {
			for _, anc := range ix.Path(cl.area) {
				if o, ok := owner[anc]; ok && o != cl.contest {
					v.msg(RecordContest, cl.contest, fmt.Sprintf("areas[%d]", cl.field), "error.package.area_in_tier",
						"Area", strconv.Quote(cl.area), "Other", strconv.Quote(anc), "Contest", strconv.Quote(v.p.Contests[o].Code), "Tier", ref)
					break
				}
			}
		}
	}
	for bi, b := range e.Bodies {
		for ti, t := range b.Tiers {
			ref := b.Code + "/" + t.Code
			got, ok := tierSeats[ref]
			field := fmt.Sprintf("bodies[%d].tiers[%d].seats", bi, ti)
			switch {
			case !ok:
				v.msg(RecordElection, 0, field, "error.package.tier_empty", "Tier", ref)
			case got != t.Seats:
				v.msg(RecordElection, 0, field, "error.package.tier_seats", "Tier", ref, "Seats", t.Seats, "Sum", got)
			}
		}
	}
	return byCode
}

func (v *validator) observers(stations map[string]*Station) {
	byCode := make(map[string]*Observer, len(v.p.Observers))
	phones := map[string]string{}
	for i := range v.p.Observers {
		o := &v.p.Observers[i]
		v.self(RecordObserver, i, o.Validate())
		if _, dup := byCode[o.Code]; dup {
			v.msg(RecordObserver, i, "code", "error.package.duplicate_observer", "Code", strconv.Quote(o.Code))
			continue
		}
		byCode[o.Code] = o
		for j, s := range o.Stations {
			if _, ok := stations[s]; !ok {
				v.msg(RecordObserver, i, fmt.Sprintf("stations[%d]", j), "error.package.unknown_station", "Station", strconv.Quote(truncate(s, 70)))
			}
		}
		if o.Lang != "" && !slices.Contains(v.p.Election.Languages, o.Lang) {
			v.msg(RecordObserver, i, "lang", "error.package.sms.observer_lang", "Value", strconv.Quote(truncate(o.Lang, 10)), "Languages", Lit(strings.Join(v.p.Election.Languages, ", ")))
		}
		// A phone may be shared by observers who each have a PIN, which tells them apart
		// in an SMS report.
		for j, ph := range o.Phones {
			if other, ok := phones[ph]; ok && other != o.Code && (o.PIN == "" || byCode[other].PIN == "") {
				v.msg(RecordObserver, i, fmt.Sprintf("phones[%d]", j), "error.package.phone_used", "Observer", other)
			}
			phones[ph] = o.Code
		}
	}
	for i := range v.p.Observers {
		o := &v.p.Observers[i]
		if o.Supervisor == "" || o.Supervisor == o.Code {
			continue
		}
		sup, ok := byCode[o.Supervisor]
		switch {
		case !ok:
			v.msg(RecordObserver, i, "supervisor", "error.package.unknown_observer", "Observer", strconv.Quote(truncate(o.Supervisor, 20)))
			continue
		case sup.Role != Supervisor:
			v.msg(RecordObserver, i, "supervisor", "error.package.not_supervisor", "Observer", sup.Code, "Role", sup.Role)
			continue
		}
		seen := map[string]bool{o.Code: true}
		for c := o.Supervisor; c != ""; {
			if seen[c] {
				v.msg(RecordObserver, i, "supervisor", "error.package.supervisor_loop", "Observer", c)
				break
			}
			seen[c] = true
			next, ok := byCode[c]
			if !ok {
				break
			}
			c = next.Supervisor
		}
	}
}

func (v *validator) forms(contests map[string]*Contest) {
	type key struct {
		code    string
		version int
	}
	seen := map[key]bool{}
	prefixes := map[string]string{}
	byTier := map[string][]*Contest{}
	for _, c := range v.p.Contests {
		if c.Body != "" {
			cc := c
			byTier[c.TierRef()] = append(byTier[c.TierRef()], &cc)
		}
	}
	for i := range v.p.Forms {
		f := &v.p.Forms[i]
		v.self(RecordForm, i, f.Validate())
		k := key{f.Code, f.Version}
		if seen[k] {
			v.msg(RecordForm, i, "version", "error.package.form_twice", "Form", strconv.Quote(f.Code), "Version", f.Version)
		}
		seen[k] = true
		if f.SMSPrefix != "" {
			if other, ok := prefixes[f.SMSPrefix]; ok && other != f.Code {
				v.msg(RecordForm, i, "sms_prefix", "error.package.sms_used", "Prefix", strconv.Quote(f.SMSPrefix), "Form", strconv.Quote(other))
			}
			prefixes[f.SMSPrefix] = f.Code
		}
		tags := map[string]bool{}
		for _, q := range f.Questions {
			if q.Choice != EachChoice {
				tags[q.Tag] = true
			}
		}
		for j, q := range f.Questions {
			if q.Contest == "" {
				continue
			}
			qf := fmt.Sprintf("questions[%d]", j)
			var bound []*Contest
			if ref, ok := q.IsTierBinding(); ok {
				bound = byTier[ref]
				if len(bound) == 0 {
					v.msg(RecordForm, i, qf+".contest", "error.package.tier_no_contest", "Tier", strconv.Quote(truncate(ref, 70)))
					continue
				}
				if q.Count == CountChoice && q.Choice != EachChoice {
					v.msg(RecordForm, i, qf+".choice", "error.package.tier_star")
					continue
				}
			} else if c, ok := contests[q.Contest]; ok {
				bound = []*Contest{c}
			} else {
				v.msg(RecordForm, i, qf+".contest", "error.package.unknown_contest", "Contest", strconv.Quote(truncate(q.Contest, 70)))
				continue
			}
			if q.Count != CountChoice {
				continue
			}
			for _, c := range bound {
				if q.Choice != EachChoice {
					if _, ok := c.Choice(q.Choice); !ok {
						v.msg(RecordForm, i, qf+".choice", "error.package.no_choice", "Contest", strconv.Quote(c.Code), "Choice", strconv.Quote(truncate(q.Choice, 70)))
					}
					continue
				}
				for _, ch := range c.Choices {
					if ch.Ballot == 0 {
						v.msg(RecordForm, i, qf+".choice", "error.package.no_ballot", "Choice", strconv.Quote(ch.Code), "Contest", strconv.Quote(c.Code))
						break
					}
					if t := q.ExpandedTag(ch.Ballot); tags[t] {
						v.msg(RecordForm, i, qf+".tag", "error.package.tag_clash", "Contest", strconv.Quote(c.Code), "Tag", t)
						break
					}
				}
			}
		}
	}
}

// Summary counts what an election holds.
type Summary struct {
	Areas      int            `json:"areas"`
	Stations   int            `json:"stations"`
	Registered int64          `json:"registered"`
	Contests   int            `json:"contests"`
	Observers  int            `json:"observers"`
	Forms      int            `json:"forms"`
	ByLevel    map[Level]int  `json:"areas_by_level"`
	BySystem   map[string]int `json:"contests_by_system,omitempty"`
}

// Summarize counts what p holds.
func (p *Package) Summarize() Summary {
	s := Summary{
		Areas: len(p.Areas), Stations: len(p.Stations), Contests: len(p.Contests),
		Observers: len(p.Observers), Forms: len(p.Forms),
		ByLevel: map[Level]int{}, BySystem: map[string]int{},
	}
	for _, a := range p.Areas {
		s.ByLevel[a.Level]++
	}
	for _, st := range p.Stations {
		s.Registered += int64(st.Registered)
	}
	for _, c := range p.Contests {
		s.BySystem[string(c.System.Kind)]++
	}
	return s
}

// SortForms orders forms by code and version, the order stores return them in.
func SortForms(fs []Form) {
	sort.Slice(fs, func(i, j int) bool {
		if fs[i].Code != fs[j].Code {
			return fs[i].Code < fs[j].Code
		}
		return fs[i].Version < fs[j].Version
	})
}

// compensation checks the rules that join contests: a Mixed contest or one whose
// threshold is over its tier lies in a body, and a Mixed contest compensates only for
// contests of its body's other tiers that are not list contests, each for one Mixed
// contest at most.
func (v *validator) compensation(byCode map[string]*Contest) {
	by := map[string]string{} // constituency contest → the Mixed contest compensating it
	for i := range v.p.Contests {
		c := &v.p.Contests[i]
		s := c.System
		if c.Body == "" && (s.Mixed != "" || s.ThresholdScope == ScopeTier || s.QualifyWon > 0) {
			v.msg(RecordContest, i, "body", "error.package.seat_rules.rule_needs_body")
			continue
		}
		for j, code := range s.Compensates {
			field := fmt.Sprintf("system.compensates[%d]", j)
			o, ok := byCode[code]
			switch {
			case !ok:
				v.msg(RecordContest, i, field, "error.package.unknown_contest", "Contest", strconv.Quote(truncate(code, 70)))
			case o.Body != c.Body || o.Tier == c.Tier || o.System.Kind == ListPR:
				v.msg(RecordContest, i, field, "error.package.seat_rules.compensates_other", "Contest", strconv.Quote(code))
			case by[code] != "":
				v.msg(RecordContest, i, field, "error.package.seat_rules.compensated_twice", "Contest", strconv.Quote(code), "Other", strconv.Quote(by[code]))
			default:
				by[code] = c.Code
			}
		}
	}
}
