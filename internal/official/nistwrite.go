package official

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iltod/iltod"
)

// NISTOptions are the report-level fields of a NIST election report that the results do
// not give.
type NISTOptions struct {
	// Issuer is who issues the report, e.g. the observer network; IssuerAbbreviation its
	// short name. Both default to "iltod".
	Issuer             string
	IssuerAbbreviation string
	// Status is one of NIST's ResultsStatus values: certified, correction, pre-election,
	// recount, unofficial-complete, unofficial-partial (the default).
	Status string
	// Generated is when the report was made; the zero time means now. It is written to
	// the second, in UTC.
	Generated time.Time
	// Notes is free text for the report's Notes.
	Notes string
}

var resultsStatuses = []string{"certified", "correction", "pre-election", "recount", "unofficial-complete", "unofficial-partial"}

// ReleaseNotes describes an official release for NISTOptions.Notes: its version, source,
// publication and import times, and digest.
func ReleaseNotes(r iltod.OfficialRelease) string {
	return fmt.Sprintf("Official results of %s, version %d, from %s, published %s; imported %s, digest (SHA-256) %x.",
		r.Election, r.Version, r.Source, r.Published.UTC().Format(time.RFC3339), r.Imported.UTC().Format(time.RFC3339), r.Hash)
}

// WriteNIST writes per-station results and area totals of the election p, from any
// source (an official release, or observers' station records), as a NIST SP 1500-100 v2
// election report in JSON that validates against the schema. It writes the election with
// its parties, candidates and contests, every area as a ReportingUnit, and a
// polling-place unit per station that has a result; ids are minted as
// docs/official-results.md describes.
//
// A report carries what NISTProfile keeps of the results: every vote, as a VoteCounts of
// Type total whose GpUnitId is the station's unit, or for an area total the area's; and,
// for a station or area whose results all agree on them, its registered voters (the
// unit's VotersRegistered), ballots issued (VotersParticipated), and ballots cast and
// invalid (BallotsCast and BallotsRejected of a BallotCounts of Type total). NIST's model
// has no place for a contest's valid and blank ballots. ReadNIST of the report gives
// NISTProfile(results) back.
//
// It returns an error, having written nothing, if the results do not pass
// iltod.CheckResults against p or the options are not valid.
func WriteNIST(w io.Writer, p *iltod.Package, results []iltod.StationResult, opt NISTOptions) error {
	rep, err := buildNIST(p, results, opt)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rep); err != nil {
		return err
	}
	return bw.Flush()
}

// NISTProfile returns results as a NIST report carries them (see WriteNIST), in the order
// of iltod.SortResults: only results that give votes; their votes; and of their counts,
// registered, issued, cast and invalid where every result of the station (for an area
// total, of the area) that gives votes gives the same figure.
func NISTProfile(results []iltod.StationResult) []iltod.StationResult {
	var out []iltod.StationResult
	for i := range results {
		if len(results[i].Votes) > 0 {
			r := results[i].Clone()
			r.Counts = nil
			out = append(out, r)
		}
	}
	iltod.SortResults(out)
	shared := unitFigures(results)
	for i := range out {
		out[i].Counts = map[iltod.CountKind]int{}
		for k, n := range shared[unitOf(&out[i])] {
			out[i].Counts[k] = n
		}
	}
	return out
}

// stationCounts are the counts NIST keeps per reporting unit (station or area) rather
// than per contest.
var stationCounts = []iltod.CountKind{iltod.CountRegistered, iltod.CountIssued, iltod.CountCast, iltod.CountInvalid}

// unitOf returns the key of the reporting unit of r: its station, or its area.
func unitOf(r *iltod.StationResult) resultKey { return resultKey{station: r.Station, area: r.Area} }

// unitFigures returns, for each station and area, the counts of stationCounts on which
// all of its results that give votes agree.
func unitFigures(results []iltod.StationResult) map[resultKey]map[iltod.CountKind]int {
	type tally struct {
		n       int
		figures map[iltod.CountKind][]int
	}
	by := map[resultKey]*tally{}
	for i := range results {
		r := &results[i]
		if len(r.Votes) == 0 {
			continue
		}
		t := by[unitOf(r)]
		if t == nil {
			t = &tally{figures: map[iltod.CountKind][]int{}}
			by[unitOf(r)] = t
		}
		t.n++
		for _, k := range stationCounts {
			if v, ok := r.Counts[k]; ok {
				t.figures[k] = append(t.figures[k], v)
			}
		}
	}
	out := make(map[resultKey]map[iltod.CountKind]int, len(by))
	for st, t := range by {
		m := map[iltod.CountKind]int{}
		for k, vs := range t.figures {
			if len(vs) == t.n && slices.Min(vs) == slices.Max(vs) {
				m[k] = vs[0]
			}
		}
		out[st] = m
	}
	return out
}

func buildNIST(p *iltod.Package, results []iltod.StationResult, opt NISTOptions) (*nistReport, error) {
	if err := iltod.CheckResults(p, results); err != nil {
		var ps iltod.Problems
		if errors.As(err, &ps) {
			return nil, ps.AsError("error.official.what_results_to_write")
		}
		return nil, err
	}
	if opt.Issuer == "" {
		opt.Issuer = "iltod"
	}
	if opt.IssuerAbbreviation == "" {
		opt.IssuerAbbreviation = "iltod"
	}
	if opt.Status == "" {
		opt.Status = "unofficial-partial"
	}
	if !slices.Contains(resultsStatuses, opt.Status) {
		return nil, iltod.E(iltod.EInvalid, "error.official.status", map[string]any{"Value": strconv.Quote(opt.Status), "Options": strings.Join(resultsStatuses, ", ")})
	}
	if opt.Generated.IsZero() {
		opt.Generated = time.Now()
	}
	e := &p.Election
	langs := e.Languages
	text := func(t iltod.Text) nistText {
		out := nistText{AtType: typeText}
		done := map[string]bool{}
		for _, l := range append(slices.Clone(langs), t.Languages()...) {
			if done[l] || t[l] == "" {
				continue
			}
			done[l] = true
			out.Text = append(out.Text, nistLangString{AtType: typeLangString, Content: t[l], Language: l})
		}
		return out
	}
	name := func(t iltod.Text) string {
		if len(langs) > 0 {
			return t.In(langs[0])
		}
		return t.In("en")
	}
	rep := &nistReport{
		AtType: typeReport, Format: "precinct-level", GeneratedDate: opt.Generated.UTC().Format(time.RFC3339),
		Issuer: opt.Issuer, IssuerAbbreviation: opt.IssuerAbbreviation, Notes: opt.Notes,
		SequenceStart: 1, SequenceEnd: 1, Status: opt.Status, VendorApplicationID: "iltod",
	}
	if e.Demo {
		rep.IsTest, rep.TestType = true, "demonstration data"
	}
	country := e.Country

	// Parties.
	for _, pt := range e.Parties {
		np := nistParty{AtType: typeParty, ID: prefixParty + pt.Code, Name: text(pt.Name),
			ExternalIdentifier: []nistExternalID{{AtType: typeExternalID, Type: "other", OtherType: extParty, Value: pt.Code}}}
		if len(pt.Short) > 0 {
			a := text(pt.Short)
			np.Abbreviation = &a
		}
		if pt.Color != "" {
			np.Color = strings.ToLower(strings.TrimPrefix(pt.Color, "#"))
		}
		rep.Party = append(rep.Party, np)
	}

	// Units: every area, a unit per contest of several areas, and the stations that
	// have results, in code order.
	var stations []string
	hasResult := map[string]bool{}
	for _, r := range results {
		if !r.IsTotal() && !hasResult[r.Station] {
			hasResult[r.Station] = true
			stations = append(stations, r.Station)
		}
	}
	slices.Sort(stations)
	stationOf := make(map[string]*iltod.Station, len(p.Stations))
	for i := range p.Stations {
		stationOf[p.Stations[i].Code] = &p.Stations[i]
	}
	areaByCode := map[string]iltod.Area{}
	children := map[string][]string{}
	for _, a := range p.Areas {
		areaByCode[a.Code] = a
		if a.Parent != "" {
			children[a.Parent] = append(children[a.Parent], AreaGpUnitID(country, a))
		}
	}
	for _, st := range stations {
		a := stationOf[st].Area
		children[a] = append(children[a], StationGpUnitID(country, st))
	}
	shared := unitFigures(results)
	// setFigures sets a unit's VotersRegistered and VotersParticipated from f, and returns
	// the BallotCounts that give its cast and invalid ballots, if f gives either.
	setFigures := func(u *nistGpUnit, f map[iltod.CountKind]int) (nistBallotCounts, bool) {
		if v, ok := f[iltod.CountRegistered]; ok {
			u.VotersRegistered = json.Number(strconv.Itoa(v))
		}
		if v, ok := f[iltod.CountIssued]; ok {
			u.VotersParticipated = json.Number(strconv.Itoa(v))
		}
		cast, castOK := f[iltod.CountCast]
		invalid, invalidOK := f[iltod.CountInvalid]
		bc := nistBallotCounts{AtType: typeBallotCounts, GpUnitID: u.ID, Type: "total"}
		if castOK {
			bc.BallotsCast = json.Number(strconv.Itoa(cast))
		}
		if invalidOK {
			bc.BallotsRejected = json.Number(strconv.Itoa(invalid))
		}
		return bc, castOK || invalidOK
	}
	var ballots, areaBallots []nistBallotCounts
	scope := ""
	for _, a := range p.Areas {
		u := nistGpUnit{AtType: typeReportingUnit, ID: AreaGpUnitID(country, a), ComposingGpUnitIDs: children[a.Code]}
		if a.Level == iltod.LevelCountry {
			u.Type = "country"
			scope = u.ID
		} else {
			u.Type, u.OtherType = "other", string(a.Level)
		}
		n := text(a.Name)
		u.Name = &n
		u.ExternalIdentifier = []nistExternalID{{AtType: typeExternalID, Type: "other", OtherType: extArea, Value: a.Code}}
		if bc, ok := setFigures(&u, shared[resultKey{area: a.Code}]); ok {
			areaBallots = append(areaBallots, bc)
		}
		rep.GpUnit = append(rep.GpUnit, u)
	}
	district := map[string]string{}
	for _, c := range p.Contests {
		if len(c.Areas) == 1 {
			district[c.Code] = AreaGpUnitID(country, areaByCode[c.Areas[0]])
			continue
		}
		u := nistGpUnit{AtType: typeReportingUnit, ID: constituencyGpUnitID(country, c.Code), Type: "other", OtherType: "constituency"}
		for _, a := range c.Areas {
			u.ComposingGpUnitIDs = append(u.ComposingGpUnitIDs, AreaGpUnitID(country, areaByCode[a]))
		}
		n := text(c.Name)
		u.Name = &n
		rep.GpUnit = append(rep.GpUnit, u)
		district[c.Code] = u.ID
	}
	for _, st := range stations {
		u := nistGpUnit{AtType: typeReportingUnit, ID: StationGpUnitID(country, st), Type: "polling-place",
			ExternalIdentifier: []nistExternalID{{AtType: typeExternalID, Type: "other", OtherType: extStation, Value: st}}}
		n := text(stationOf[st].Name)
		u.Name = &n
		if bc, ok := setFigures(&u, shared[resultKey{station: st}]); ok {
			ballots = append(ballots, bc)
		}
		rep.GpUnit = append(rep.GpUnit, u)
	}
	// The stations' ballot counts first, as before reports carried area totals.
	ballots = append(ballots, areaBallots...)

	// The election, its candidates and contests, and the votes.
	ne := nistElection{AtType: typeElection, Name: text(e.Name), StartDate: e.Date, EndDate: e.Date, Type: "general",
		ElectionScopeID: scope, BallotCounts: ballots}
	byContest := map[string][]*iltod.StationResult{}
	for i := range results {
		r := &results[i]
		byContest[r.Contest] = append(byContest[r.Contest], r)
	}
	for _, rs := range byContest {
		slices.SortFunc(rs, compareResults)
	}
	for _, c := range p.Contests {
		nc := nistContest{AtType: typeCandidateContest, ID: prefixContest + c.Code, Name: name(c.Name),
			ElectionDistrictID: district[c.Code],
			ExternalIdentifier: []nistExternalID{{AtType: typeExternalID, Type: "other", OtherType: extContest, Value: c.Code}}}
		bt := text(c.Name)
		nc.BallotTitle = &bt
		switch c.System.Kind {
		case iltod.ListPR:
			nc.AtType, nc.VoteVariation = typePartyContest, "proportional"
		case iltod.BlockVote:
			nc.VoteVariation = "n-of-m"
		case iltod.TwoRound:
			nc.VoteVariation = "majority"
		default:
			nc.VoteVariation = "plurality"
		}
		if nc.AtType == typeCandidateContest {
			// A PartyContest has neither: its seats follow from the system.
			seats, allowed := c.Seats, 1
			nc.NumberElected = &seats
			if c.System.Kind == iltod.BlockVote {
				allowed = c.Seats
			}
			nc.VotesAllowed = &allowed
		}
		for _, ch := range c.Choices {
			sel := nistSelection{ID: choiceID(c.Code, ch.Code)}
			if ch.Ballot > 0 {
				b := ch.Ballot
				sel.SequenceOrder = &b
			}
			if nc.AtType == typePartyContest {
				sel.AtType = typePartySel
				sel.PartyIDs = []string{prefixParty + ch.Party}
			} else {
				cand := nistCandidate{AtType: typeCandidate, ID: prefixCandidate + c.Code + "/" + ch.Code, BallotName: text(ch.Name)}
				if ch.Party != "" {
					cand.PartyID = prefixParty + ch.Party
				}
				ne.Candidate = append(ne.Candidate, cand)
				sel.AtType = typeCandidateSel
				sel.CandidateIDs = []string{cand.ID}
			}
			for _, r := range byContest[c.Code] {
				if v, ok := r.Votes[ch.Code]; ok {
					unit := StationGpUnitID(country, r.Station)
					if r.IsTotal() {
						unit = AreaGpUnitID(country, areaByCode[r.Area])
					}
					sel.VoteCounts = append(sel.VoteCounts, nistVoteCounts{AtType: typeVoteCounts,
						GpUnitID: unit, Type: "total", Count: json.Number(strconv.Itoa(v))})
				}
			}
			nc.ContestSelection = append(nc.ContestSelection, sel)
		}
		ne.Contest = append(ne.Contest, nc)
	}
	rep.Election = []nistElection{ne}
	return rep, nil
}
