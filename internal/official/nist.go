package official

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/iltod/iltod"
)

// The part of the NIST SP 1500-100 v2 data model that iltod reads and writes. Every
// object carries its class in "@type"; the schema admits no other properties, so these
// types name only properties of the schema.

type nistReport struct {
	AtType              string         `json:"@type"`
	Format              string         `json:"Format"`
	GeneratedDate       string         `json:"GeneratedDate"`
	Issuer              string         `json:"Issuer"`
	IssuerAbbreviation  string         `json:"IssuerAbbreviation"`
	IsTest              bool           `json:"IsTest,omitempty"`
	TestType            string         `json:"TestType,omitempty"`
	Notes               string         `json:"Notes,omitempty"`
	SequenceStart       int            `json:"SequenceStart"`
	SequenceEnd         int            `json:"SequenceEnd"`
	Status              string         `json:"Status"`
	VendorApplicationID string         `json:"VendorApplicationId"`
	Election            []nistElection `json:"Election,omitempty"`
	GpUnit              []nistGpUnit   `json:"GpUnit,omitempty"`
	Party               []nistParty    `json:"Party,omitempty"`
}

type nistElection struct {
	AtType          string             `json:"@type"`
	Name            nistText           `json:"Name"`
	StartDate       string             `json:"StartDate"`
	EndDate         string             `json:"EndDate"`
	Type            string             `json:"Type"`
	OtherType       string             `json:"OtherType,omitempty"`
	ElectionScopeID string             `json:"ElectionScopeId"`
	BallotCounts    []nistBallotCounts `json:"BallotCounts,omitempty"`
	Candidate       []nistCandidate    `json:"Candidate,omitempty"`
	Contest         []nistContest      `json:"Contest,omitempty"`
}

type nistText struct {
	AtType string           `json:"@type"`
	Text   []nistLangString `json:"Text"`
}

type nistLangString struct {
	AtType   string `json:"@type"`
	Content  string `json:"Content"`
	Language string `json:"Language"`
}

type nistExternalID struct {
	AtType    string `json:"@type"`
	Type      string `json:"Type"`
	OtherType string `json:"OtherType,omitempty"`
	Value     string `json:"Value"`
}

// nistGpUnit is a ReportingUnit or a ReportingDevice (which iltod only skips).
type nistGpUnit struct {
	AtType             string           `json:"@type"`
	ID                 string           `json:"@id"`
	Type               string           `json:"Type,omitempty"`
	OtherType          string           `json:"OtherType,omitempty"`
	Name               *nistText        `json:"Name,omitempty"`
	ComposingGpUnitIDs []string         `json:"ComposingGpUnitIds,omitempty"`
	ExternalIdentifier []nistExternalID `json:"ExternalIdentifier,omitempty"`
	VotersRegistered   json.Number      `json:"VotersRegistered,omitempty"`
	VotersParticipated json.Number      `json:"VotersParticipated,omitempty"`
}

type nistBallotCounts struct {
	AtType          string      `json:"@type"`
	GpUnitID        string      `json:"GpUnitId"`
	Type            string      `json:"Type"`
	OtherType       string      `json:"OtherType,omitempty"`
	Round           *int        `json:"Round,omitempty"`
	BallotsCast     json.Number `json:"BallotsCast,omitempty"`
	BallotsRejected json.Number `json:"BallotsRejected,omitempty"`
}

type nistParty struct {
	AtType             string           `json:"@type"`
	ID                 string           `json:"@id"`
	Name               nistText         `json:"Name"`
	Abbreviation       *nistText        `json:"Abbreviation,omitempty"`
	Color              string           `json:"Color,omitempty"`
	ExternalIdentifier []nistExternalID `json:"ExternalIdentifier,omitempty"`
}

type nistCandidate struct {
	AtType     string   `json:"@type"`
	ID         string   `json:"@id"`
	BallotName nistText `json:"BallotName"`
	PartyID    string   `json:"PartyId,omitempty"`
}

// nistContest is a CandidateContest or a PartyContest (or another class, which iltod
// refuses unless the mapping skips it).
type nistContest struct {
	AtType             string           `json:"@type"`
	ID                 string           `json:"@id"`
	Name               string           `json:"Name"`
	BallotTitle        *nistText        `json:"BallotTitle,omitempty"`
	ElectionDistrictID string           `json:"ElectionDistrictId"`
	ExternalIdentifier []nistExternalID `json:"ExternalIdentifier,omitempty"`
	NumberElected      *int             `json:"NumberElected,omitempty"`
	VotesAllowed       *int             `json:"VotesAllowed,omitempty"`
	VoteVariation      string           `json:"VoteVariation,omitempty"`
	ContestSelection   []nistSelection  `json:"ContestSelection,omitempty"`
}

type nistSelection struct {
	AtType        string           `json:"@type"`
	ID            string           `json:"@id"`
	SequenceOrder *int             `json:"SequenceOrder,omitempty"`
	CandidateIDs  []string         `json:"CandidateIds,omitempty"`
	PartyIDs      []string         `json:"PartyIds,omitempty"`
	VoteCounts    []nistVoteCounts `json:"VoteCounts,omitempty"`
}

type nistVoteCounts struct {
	AtType                 string      `json:"@type"`
	GpUnitID               string      `json:"GpUnitId"`
	Type                   string      `json:"Type"`
	OtherType              string      `json:"OtherType,omitempty"`
	Round                  *int        `json:"Round,omitempty"`
	IsSuppressedForPrivacy bool        `json:"IsSuppressedForPrivacy,omitempty"`
	Count                  json.Number `json:"Count"`
}

// The classes, as "@type" names them.
const (
	typeReport           = "ElectionResults.ElectionReport"
	typeElection         = "ElectionResults.Election"
	typeText             = "ElectionResults.InternationalizedText"
	typeLangString       = "ElectionResults.LanguageString"
	typeExternalID       = "ElectionResults.ExternalIdentifier"
	typeReportingUnit    = "ElectionResults.ReportingUnit"
	typeBallotCounts     = "ElectionResults.BallotCounts"
	typeParty            = "ElectionResults.Party"
	typeCandidate        = "ElectionResults.Candidate"
	typeCandidateContest = "ElectionResults.CandidateContest"
	typePartyContest     = "ElectionResults.PartyContest"
	typeCandidateSel     = "ElectionResults.CandidateSelection"
	typePartySel         = "ElectionResults.PartySelection"
	typeVoteCounts       = "ElectionResults.VoteCounts"
)

// The identifiers iltod mints for what it writes; see docs/official-results.md. A
// station's GpUnit id is OCD-style but not a registered OCD id: it keeps the station's
// code exactly, upper-case letters included, which OCD ids do not allow.
const (
	// ExternalIdentifier OtherTypes that carry an iltod code.
	extStation = "iltod-station"
	extArea    = "iltod-area"
	extContest = "iltod-contest"
	extParty   = "iltod-party"
	// Id prefixes within a document.
	prefixContest   = "iltod-contest:"
	prefixChoice    = "iltod-choice:"
	prefixCandidate = "iltod-candidate:"
	prefixParty     = "iltod-party:"
)

// CountryDivision returns the OCD id of a country: ocd-division/country:mn for "MN".
func CountryDivision(country string) string {
	return "ocd-division/country:" + strings.ToLower(country)
}

// StationGpUnitID returns the GpUnit id iltod writes for a station of an election in
// country, e.g. ocd-division/country:mn/iltod-station:UB-BZD-12.02. ReadNIST maps it back
// to the station's code.
func StationGpUnitID(country, station string) string {
	return CountryDivision(country) + "/iltod-station:" + station
}

// AreaGpUnitID returns the GpUnit id iltod writes for an area: the country's OCD id for
// the root, and ocd-division/country:mn/iltod-area:MN-UB for any other.
func AreaGpUnitID(country string, a iltod.Area) string {
	if a.Level == iltod.LevelCountry {
		return CountryDivision(country)
	}
	return CountryDivision(country) + "/iltod-area:" + a.Code
}

// constituencyGpUnitID is the GpUnit iltod writes for a contest of several areas.
func constituencyGpUnitID(country, contest string) string {
	return CountryDivision(country) + "/iltod-constituency:" + contest
}

func choiceID(contest, choice string) string { return prefixChoice + contest + "/" + choice }

// NISTInfo is what a NIST report says about itself, and what ReadNIST left out.
type NISTInfo struct {
	Issuer             string
	IssuerAbbreviation string
	// Status is the report's ResultsStatus, e.g. certified or unofficial-partial.
	Status    string
	Generated time.Time
	Notes     string
	IsTest    bool
	// Skipped counts the VoteCounts not read: those of a unit that is neither a polling
	// station nor an area of the election (an aggregate iltod does not know, or a
	// reporting device), of a Type other than total, or suppressed for privacy.
	Skipped int
}

// stationUnitTypes are the ReportingUnit types that iltod reads as polling stations.
var stationUnitTypes = map[string]bool{
	"polling-place": true, "precinct": true, "split-precinct": true, "combined-precinct": true, "vote-center": true,
}

// ReadNIST reads official results from a NIST SP 1500-100 v2 election report in JSON,
// which must validate against the schema, and checks them against the election p, which
// passed Package.Validate. m's Stations, Areas, Contests and Choices aliases map the
// document's GpUnit, Contest and ContestSelection ids; its other fields are ignored. name
// names the document in problems, which give the JSON path of each fault.
//
// The report must hold exactly one Election. Each CandidateContest or PartyContest maps
// to a contest of p; each of its selections to a choice; and each VoteCounts of Type
// total, to the votes of the choice at the polling station its GpUnitId names, or, for a
// unit that is an area of p, to the area's collated total (an iltod.StationResult with
// Area set). A ReportingUnit is an area by m.Areas, else by an ExternalIdentifier
// other/iltod-area, else if its id is the one AreaGpUnitID gives an area of p; a unit
// that is a station is never an area. The ballot figures of a station or area
// (VotersRegistered, VotersParticipated, and BallotsCast and BallotsRejected of the
// Election's BallotCounts of Type total) go to every result of the station or area. See
// docs/official-results.md for how ids map to codes, and what is skipped.
//
// On any problem ReadNIST returns no results and an *Error listing every problem found.
func ReadNIST(r io.Reader, name string, p *iltod.Package, m Mapping) ([]iltod.StationResult, NISTInfo, error) {
	if err := m.Validate(); err != nil {
		return nil, NISTInfo{}, err
	}
	ps := &problems{file: name}
	data, ok := readAll(r, ps)
	if !ok {
		return nil, NISTInfo{}, ps.err()
	}
	if !decodeAndValidate(ps, data) {
		return nil, NISTInfo{}, ps.err()
	}
	var rep nistReport
	if err := json.Unmarshal(data, &rep); err != nil {
		// The schema admits only what these types read, so this is a number out of range.
		jsonProblem(ps, data, err)
		return nil, NISTInfo{}, ps.err()
	}
	nr := &nistReader{ps: ps, m: m.normal(), ix: iltod.NewResultIndex(p), country: p.Election.Country,
		index: map[resultKey]int{}, seen: map[figureKey]string{}, notIn: map[resultKey]bool{},
		areaIDs: make(map[string]string, len(p.Areas))}
	for _, a := range p.Areas {
		nr.areaIDs[AreaGpUnitID(p.Election.Country, a)] = a.Code
	}
	info := nr.read(&rep)
	if err := ps.err(); err != nil {
		return nil, NISTInfo{}, err
	}
	if len(nr.results) == 0 {
		ps.msg(0, "Election[0].Contest", "error.official.nist_no_count", "Skipped", info.Skipped)
		return nil, NISTInfo{}, ps.err()
	}
	if err := nr.ix.Check(nr.results); err != nil {
		var list iltod.Problems
		errors.As(err, &list)
		for _, pr := range list {
			ps.domain(0, nr.paths[pr.Index], pr)
		}
		return nil, NISTInfo{}, ps.err()
	}
	return nr.results, info, nil
}

type nistReader struct {
	ps      *problems
	m       Mapping
	ix      *iltod.ResultIndex
	country string

	areaIDs map[string]string // the GpUnit id AreaGpUnitID gives each area → its code

	units   map[string]*nistGpUnit
	station map[string]string // GpUnit id → station code, or "" for a unit that is not a station
	area    map[string]string // GpUnit id → area code, for a unit that is an area
	results []iltod.StationResult
	paths   []string // the path of the first vote count of each result
	index   map[resultKey]int
	seen    map[figureKey]string // the path of each figure
	notIn   map[resultKey]bool   // station (or area) and contest pairs reported as not voting
}

// placeOf returns the station or area of a GpUnit, as the key of its results in contest;
// ok is false for a unit that is neither.
func (nr *nistReader) placeOf(id, contest string) (k resultKey, ok bool) {
	if st := nr.station[id]; st != "" {
		return resultKey{station: st, contest: contest}, true
	}
	if a := nr.area[id]; a != "" {
		return resultKey{area: a, contest: contest}, true
	}
	return k, false
}

func (nr *nistReader) read(rep *nistReport) NISTInfo {
	info := NISTInfo{Issuer: rep.Issuer, IssuerAbbreviation: rep.IssuerAbbreviation, Status: rep.Status,
		Notes: rep.Notes, IsTest: rep.IsTest}
	info.Generated, _ = time.Parse(time.RFC3339, rep.GeneratedDate)
	if len(rep.Election) != 1 {
		nr.ps.msg(0, "Election", "error.official.nist_elections", "Count", len(rep.Election))
		return info
	}
	nr.units = make(map[string]*nistGpUnit, len(rep.GpUnit))
	nr.station = make(map[string]string, len(rep.GpUnit))
	nr.area = map[string]string{}
	for i := range rep.GpUnit {
		u := &rep.GpUnit[i]
		path := fmt.Sprintf("GpUnit[%d]", i)
		if _, dup := nr.units[u.ID]; dup {
			nr.ps.msg(0, path+".@id", "error.official.gpunit_twice", "ID", strconv.Quote(trunc(u.ID)))
			continue
		}
		nr.units[u.ID] = u
		if nr.station[u.ID] = nr.stationOf(path, u); nr.station[u.ID] == "" {
			if a := nr.areaOf(path, u); a != "" {
				nr.area[u.ID] = a
			}
		}
	}
	e := &rep.Election[0]
	for i := range e.Contest {
		if nr.ps.full() {
			break
		}
		nr.contest(fmt.Sprintf("Election[0].Contest[%d]", i), &e.Contest[i], &info)
	}
	nr.ballotFigures(rep, e)
	return info
}

// stationOf returns the station code of a GpUnit, or "" for a unit that is not a
// station: a ReportingDevice, a unit mapped to Skip, or an aggregate. A unit of a station
// type (polling-place, precinct, …) that names no station of the election is a problem.
func (nr *nistReader) stationOf(path string, u *nistGpUnit) string {
	if u.AtType != typeReportingUnit {
		return ""
	}
	code, ok := nr.m.Stations[u.ID]
	if !ok {
		code = externalID(u.ExternalIdentifier, extStation)
	}
	if code == "" {
		code = strings.TrimPrefix(u.ID, CountryDivision(nr.country)+"/iltod-station:")
	}
	switch {
	case code == Skip:
		return ""
	case nr.ix.HasStation(code):
		return code
	case stationUnitTypes[u.Type]:
		nr.ps.msg(0, path+".@id", "error.official.nist_unknown_station", "Station", strconv.Quote(trunc(code)), "Type", u.Type)
	}
	return ""
}

// areaOf returns the area code of a GpUnit that is not a station, or "" for a unit that
// is not an area of the election: a ReportingDevice, a unit mapped to Skip, or one that
// neither the mapping, nor an ExternalIdentifier other/iltod-area, nor its id as
// AreaGpUnitID writes it names as an area. A unit that the mapping or an
// ExternalIdentifier names as an area the election does not have is a problem.
func (nr *nistReader) areaOf(path string, u *nistGpUnit) string {
	if u.AtType != typeReportingUnit {
		return ""
	}
	code, named := nr.m.Areas[u.ID]
	if !named {
		code = externalID(u.ExternalIdentifier, extArea)
		named = code != ""
	}
	if !named {
		return nr.areaIDs[u.ID]
	}
	switch {
	case code == Skip:
		return ""
	case nr.ix.HasArea(code):
		return code
	}
	nr.ps.msg(0, path+".@id", "error.official.nist_unknown_area", "Area", strconv.Quote(trunc(code)), "Mapped", mappedFrom(u.ID, code), "Skip", Skip)
	return ""
}

// externalID returns the value of the first ExternalIdentifier of Type other whose
// OtherType is otherType.
func externalID(ids []nistExternalID, otherType string) string {
	for _, x := range ids {
		if x.Type == "other" && x.OtherType == otherType {
			return x.Value
		}
	}
	return ""
}

func (nr *nistReader) contest(path string, c *nistContest, info *NISTInfo) {
	code, ok := nr.m.Contests[c.ID]
	if !ok {
		code = externalID(c.ExternalIdentifier, extContest)
	}
	if code == "" {
		code = strings.TrimPrefix(c.ID, prefixContest)
	}
	if code == Skip {
		return
	}
	if c.AtType != typeCandidateContest && c.AtType != typePartyContest {
		nr.ps.msg(0, path+".@type", "error.official.nist_contest_type", "Type", strings.TrimPrefix(c.AtType, "ElectionResults."), "Skip", Skip)
		return
	}
	if !nr.ix.HasContest(code) {
		nr.ps.msg(0, path+".@id", "error.official.unknown_contest", "Contest", strconv.Quote(trunc(code)), "Mapped", mappedFrom(c.ID, code))
		return
	}
	for j := range c.ContestSelection {
		s := &c.ContestSelection[j]
		spath := fmt.Sprintf("%s.ContestSelection[%d]", path, j)
		choice, ok := nr.m.Choices[s.ID]
		if !ok {
			choice = strings.TrimPrefix(s.ID, prefixChoice+code+"/")
		}
		if choice == Skip {
			continue
		}
		if !nr.ix.HasChoice(code, choice) {
			nr.ps.msg(0, spath+".@id", "error.official.no_choice", "Contest", strconv.Quote(code), "Choice", strconv.Quote(trunc(choice)), "Mapped", mappedFrom(s.ID, choice))
			continue
		}
		for k := range s.VoteCounts {
			nr.voteCount(fmt.Sprintf("%s.VoteCounts[%d]", spath, k), &s.VoteCounts[k], code, choice, info)
		}
	}
}

func (nr *nistReader) voteCount(path string, vc *nistVoteCounts, contest, choice string, info *NISTInfo) {
	if vc.Type != "total" || vc.IsSuppressedForPrivacy {
		info.Skipped++
		return
	}
	if vc.Round != nil && *vc.Round > 1 {
		nr.ps.msg(0, path+".Round", "error.official.nist_round", "Round", *vc.Round)
		return
	}
	if _, ok := nr.units[vc.GpUnitID]; !ok {
		nr.ps.msg(0, path+".GpUnitId", "error.official.gpunit_undeclared", "ID", strconv.Quote(trunc(vc.GpUnitID)))
		return
	}
	k, ok := nr.placeOf(vc.GpUnitID, contest)
	if !ok {
		info.Skipped++
		return
	}
	n, ok := nr.number(path+".Count", vc.Count)
	if !ok {
		return
	}
	switch {
	case k.area != "" && !nr.ix.AreaVotesIn(k.area, contest):
		if !nr.notIn[k] { // once per area and contest
			nr.notIn[k] = true
			nr.ps.put(0, path+".GpUnitId", nr.ix.NotVotedInArea(k.area, contest))
		}
		return
	case k.area == "" && !nr.ix.VotesIn(k.station, contest):
		if !nr.notIn[k] { // once per station and contest
			nr.notIn[k] = true
			nr.ps.put(0, path+".GpUnitId", nr.ix.NotVotingIn(k.station, contest))
		}
		return
	}
	fig := figureKey{station: k.station, area: k.area, contest: contest, kind: 'v', item: choice}
	if first, dup := nr.seen[fig]; dup {
		nr.ps.msg(0, path, "error.official.nist_choice_twice", "Choice", choice, "At", k.at(), "First", first)
		return
	}
	nr.seen[fig] = path
	i, ok := nr.index[k]
	if !ok {
		i = len(nr.results)
		nr.index[k] = i
		nr.results = append(nr.results, iltod.StationResult{Station: k.station, Area: k.area, Contest: contest,
			Counts: map[iltod.CountKind]int{}, Votes: map[string]int{}})
		nr.paths = append(nr.paths, path)
	}
	nr.results[i].Votes[choice] = n
}

// number reads a figure: a whole number from 0 to iltod.MaxResultCount, written as
// JSON allows (400, 4e2 and 400.0 are the same number).
func (nr *nistReader) number(path string, n json.Number) (int, bool) {
	s := n.String()
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange), f != math.Trunc(f):
		nr.ps.msg(0, path, "error.official.not_whole", "Value", trunc(s))
	case f < 0:
		nr.ps.msg(0, path, "error.package.is_negative", "Value", trunc(s))
	case f > iltod.MaxResultCount:
		nr.ps.msg(0, path, "error.package.above_limit", "Value", trunc(s), "Max", iltod.MaxResultCount)
	default:
		return int(f), true
	}
	return 0, false
}

// ballotFigures sets the counts of every result from its station's or area's unit and
// the Election's BallotCounts.
func (nr *nistReader) ballotFigures(rep *nistReport, e *nistElection) {
	type figures map[iltod.CountKind]int
	byPlace := map[resultKey]figures{} // by station or area, without the contest
	add := func(place resultKey, k iltod.CountKind, n int) {
		if byPlace[place] == nil {
			byPlace[place] = figures{}
		}
		byPlace[place][k] = n
	}
	for i := range rep.GpUnit {
		u := &rep.GpUnit[i]
		place, ok := nr.placeOf(u.ID, "")
		if !ok {
			continue
		}
		path := fmt.Sprintf("GpUnit[%d]", i)
		if u.VotersRegistered != "" {
			if n, ok := nr.number(path+".VotersRegistered", u.VotersRegistered); ok {
				add(place, iltod.CountRegistered, n)
			}
		}
		if u.VotersParticipated != "" {
			if n, ok := nr.number(path+".VotersParticipated", u.VotersParticipated); ok {
				add(place, iltod.CountIssued, n)
			}
		}
	}
	firstBC := map[resultKey]string{}
	for i := range e.BallotCounts {
		bc := &e.BallotCounts[i]
		path := fmt.Sprintf("Election[0].BallotCounts[%d]", i)
		if bc.Type != "total" || (bc.Round != nil && *bc.Round > 1) {
			continue
		}
		if _, ok := nr.units[bc.GpUnitID]; !ok {
			nr.ps.msg(0, path+".GpUnitId", "error.official.gpunit_undeclared", "ID", strconv.Quote(trunc(bc.GpUnitID)))
			continue
		}
		place, ok := nr.placeOf(bc.GpUnitID, "")
		if !ok {
			continue
		}
		if first, dup := firstBC[place]; dup {
			nr.ps.msg(0, path, "error.official.nist_ballots_twice", "Place", place.name(), "First", first)
			continue
		}
		firstBC[place] = path
		if bc.BallotsCast != "" {
			if n, ok := nr.number(path+".BallotsCast", bc.BallotsCast); ok {
				add(place, iltod.CountCast, n)
			}
		}
		if bc.BallotsRejected != "" {
			if n, ok := nr.number(path+".BallotsRejected", bc.BallotsRejected); ok {
				add(place, iltod.CountInvalid, n)
			}
		}
	}
	for i := range nr.results {
		r := &nr.results[i]
		for k, n := range byPlace[resultKey{station: r.Station, area: r.Area}] {
			r.Counts[k] = n
		}
	}
}
