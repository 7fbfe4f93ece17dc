package iltod

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iltod/iltod/canonjson"
)

// ResultCounts lists the ballot figures a StationResult may give, in the order exports
// write them.
var ResultCounts = []CountKind{CountRegistered, CountIssued, CountCast, CountValid, CountInvalid, CountBlank}

// IsResultCount reports whether k is one of ResultCounts.
func IsResultCount(k CountKind) bool { return slices.Contains(ResultCounts, k) }

// MaxResultCount bounds every figure of a station result: it catches typing errors, and
// keeps the sum of a figure over MaxStations stations far below 2^53.
const MaxResultCount = 100_000_000

// RecordResult is the Record of a Problem that CheckResults finds; its Index is the
// position of the result in the slice checked.
const RecordResult = "result"

// StationResult is the count of one contest at one polling station, or the collated
// total of one contest in one area: the ballot figures and the votes of each choice, as
// one source gives them. A result has exactly one of Station and Area.
//
// A result with Station is the count at that station. An official release holds one per
// station and contest; observers' station records can be expressed the same way, so that
// the two compare figure by figure.
//
// A result with Area is the total the source published for that area (a district, a
// region, the country) and contest, as collated by the authority: it is what the
// authority says the area's stations add up to, not a sum iltod computed. An official
// release holds at most one per area and contest. Comparing it with the sum of the
// station figures below it, or with observers' figures, is the collation test of a
// parallel vote tabulation: a total that differs was changed at collation.
//
// The name is older than area totals; IsTotal tells the two kinds apart.
type StationResult struct {
	Station string `json:"station,omitempty"`
	// Area is the code of the area whose collated total this is; empty for a station's
	// result.
	Area    string `json:"area,omitempty"`
	Contest string `json:"contest"`
	// Counts holds the ballot figures the source gives, keyed by the kinds of
	// ResultCounts. A figure the source does not give is absent; it is never read as 0.
	Counts map[CountKind]int `json:"counts"`
	// Votes maps choice codes of the contest to their votes. A choice the source does not
	// give is absent; it is never read as 0.
	Votes map[string]int `json:"votes"`
}

// IsTotal reports whether r is an area's collated total (it has an Area) rather than a
// station's result.
func (r *StationResult) IsTotal() bool { return r.Area != "" }

// Validate checks the result's own fields: exactly one of a station and an area, valid
// station or area, contest and choice codes, counts of the kinds in ResultCounts, every
// figure within 0..MaxResultCount, and at least one figure. Whether the station or area,
// the contest and the choices exist is checked by CheckResults.
func (r *StationResult) Validate() error {
	if r.valid() {
		return nil
	}
	var ps problems
	switch {
	case r.Station == "" && r.Area == "":
		ps.msg("station", "error.package.station_required")
	case r.Station != "" && r.Area != "":
		ps.msg("area", "error.package.station_or_area")
		checkCode(&ps, "station", r.Station)
		checkCode(&ps, "area", r.Area)
	case r.Area != "":
		checkCode(&ps, "area", r.Area)
	default:
		checkCode(&ps, "station", r.Station)
	}
	checkCode(&ps, "contest", r.Contest)
	figure := func(field string, v int) {
		switch {
		case v < 0:
			ps.msg(field, "error.package.is_negative", "Value", v)
		case v > MaxResultCount:
			ps.msg(field, "error.package.above_limit", "Value", v, "Max", MaxResultCount)
		}
	}
	for _, k := range sortedKeys(r.Counts) {
		field := "counts." + truncate(string(k), 30)
		if !IsResultCount(k) {
			ps.msg(field, "error.package.one_of", "Value", strconv.Quote(truncate(string(k), 30)), "Options", Lit("registered, issued, cast, valid, invalid, blank"))
			continue
		}
		figure(field, r.Counts[k])
	}
	for _, c := range sortedKeys(r.Votes) {
		if !ValidCode(c) {
			ps.msg("votes", "error.package.bad_choice_code", "Value", strconv.Quote(truncate(c, 70)))
			continue
		}
		figure("votes."+c, r.Votes[c])
	}
	if len(r.Counts) == 0 && len(r.Votes) == 0 {
		ps.msg("", "error.package.no_figure")
	}
	return ps.list.Err()
}

// valid reports whether r passes Validate, without allocating: an import checks
// millions of figures, and Validate sorts the keys only to report problems in order.
func (r *StationResult) valid() bool {
	if !ValidCode(r.Contest) || len(r.Counts)+len(r.Votes) == 0 {
		return false
	}
	if r.Area == "" {
		if !ValidCode(r.Station) {
			return false
		}
	} else if r.Station != "" || !ValidCode(r.Area) {
		return false
	}
	for k, v := range r.Counts {
		if !IsResultCount(k) || v < 0 || v > MaxResultCount {
			return false
		}
	}
	for c, v := range r.Votes {
		if !ValidCode(c) || v < 0 || v > MaxResultCount {
			return false
		}
	}
	return true
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Clone returns a deep copy of r.
func (r *StationResult) Clone() StationResult {
	c := *r
	if r.Counts != nil {
		c.Counts = make(map[CountKind]int, len(r.Counts))
		for k, v := range r.Counts {
			c.Counts[k] = v
		}
	}
	if r.Votes != nil {
		c.Votes = make(map[string]int, len(r.Votes))
		for k, v := range r.Votes {
			c.Votes[k] = v
		}
	}
	return c
}

// SortResults sorts results in their canonical order: station results first, by station
// and then contest, then area totals, by area and then contest, comparing codes byte by
// byte. It is the order in which stores return them and MarshalOfficial writes them.
func SortResults(results []StationResult) {
	slices.SortFunc(results, compareResults)
}

func compareResults(a, b StationResult) int {
	if at, bt := a.IsTotal(), b.IsTotal(); at != bt {
		if at {
			return 1
		}
		return -1
	}
	return cmp.Or(strings.Compare(a.Station, b.Station), strings.Compare(a.Area, b.Area), strings.Compare(a.Contest, b.Contest))
}

// Limits on the texts of a release.
const (
	MaxSourceLen = 500
	MaxNoteLen   = 4000
)

// OfficialRelease is one publication of official results for an election, as imported:
// where the figures come from, when the authority published them and when they were
// imported. A release is complete in itself: it holds every station result and every
// area total (see StationResult) the source gave at that time. A newer release supersedes
// it without erasing it; stores keep every release and never change one.
type OfficialRelease struct {
	Election string `json:"election"`
	// Version is assigned by the store: 1 for the election's first release, then 2, 3 …
	Version int `json:"version"`
	// Source says where the figures come from: the authority and the document or URL.
	Source string `json:"source"`
	// Published is when the authority published the figures.
	Published time.Time `json:"published"`
	// Imported is when the release was imported; the store sets it to its event's time.
	Imported time.Time `json:"imported"`
	// Note is free text from the person who imported the release, e.g. what changed.
	Note string `json:"note,omitempty"`
	// Results is the number of station results in the release; the store sets it.
	Results int `json:"results"`
	// Totals is the number of area totals in the release; the store sets it.
	Totals int `json:"totals"`
	// Seq is the sequence number of the import event; the store sets it.
	Seq uint64 `json:"seq"`
	// Hash is OfficialDigest of the release and its results, which the import event's Hash
	// repeats and the log commits to; the store sets it.
	Hash [32]byte `json:"hash"`
}

// Validate checks the fields a caller gives: the election id, a single-line Source of
// 1 to MaxSourceLen characters, a Published time, a Note of at most MaxNoteLen characters
// (new lines and tabs allowed), and a Version that is not negative.
func (r *OfficialRelease) Validate() error {
	var ps problems
	if !ValidElectionID(r.Election) {
		ps.msg("election", "error.package.bad_election_id", "Value", strconv.Quote(truncate(r.Election, 70)))
	}
	if r.Version < 0 {
		ps.msg("version", "error.package.not_negative")
	}
	switch {
	case strings.TrimSpace(r.Source) == "":
		ps.msg("source", "error.package.source_required")
	default:
		if msg := checkString(r.Source, MaxSourceLen); msg.Key != "" {
			ps.put("source", msg)
		}
	}
	if r.Published.IsZero() {
		ps.msg("published", "error.package.published_required")
	}
	if msg := checkString(strings.NewReplacer("\n", " ", "\t", " ").Replace(r.Note), MaxNoteLen); msg.Key != "" {
		ps.put("note", msg)
	}
	return ps.list.Err()
}

// OfficialSubject returns the Subject of the import event of a release: "official/VERSION".
func OfficialSubject(version int) string { return "official/" + strconv.Itoa(version) }

// OfficialQuery selects the results of one release: its station results (the default),
// or with Totals its area totals, never both at once. Empty fields do not filter.
type OfficialQuery struct {
	// Totals selects the release's area totals instead of its station results. Then
	// Area, After and Limit apply to the totals' areas as they otherwise apply to
	// stations, and Station selects nothing.
	Totals bool
	// Contest keeps only the results of this contest.
	Contest string
	// Station keeps only the results of this station.
	Station string
	// Area, which must exist, keeps only the results of stations at or below this area,
	// or with Totals, the totals of this area and of the areas below it.
	Area string
	// After, if set, starts after every result of the station (with Totals, the area)
	// with this code: keyset pagination by station, or by area.
	After string
	// Limit, if positive, keeps the results of at most this many stations (with Totals,
	// areas), so that a page never splits a station's or an area's contests; 0 means no
	// limit.
	Limit int
}

// OfficialStore keeps releases of official results. Every release is stored with an
// import event (EventImport) in the same transaction, and a store never changes or deletes
// a release, so the log commits to the full history of what was imported. Implementations
// are safe for concurrent use; errors follow Store's conventions.
type OfficialStore interface {
	// ImportOfficial stores a release and its results, station results and area totals
	// alike, with its event, in one transaction: on any error, including a cancelled ctx,
	// nothing is stored. In that transaction it checks r (OfficialRelease.Validate) and
	// the results against the election as stored (CheckResults), and on any problem
	// returns EInvalid with the Problems in its chain; a release with no result of either
	// kind is EInvalid too (one of area totals only is not). It returns ENotFound for an
	// unknown election.
	//
	// The store assigns the Version, one more than the election's latest (from 1); sets
	// Imported to ev.Time, Results to the number of station results and Totals to the
	// number of area totals, Hash to OfficialDigest of the release and all its results,
	// and Seq to the event's; and sets ev's Election, Kind (EventImport), Subject
	// (OfficialSubject) and Hash (the same digest), keeping ev's Time and Detail.
	// It returns the release as stored. Concurrent imports get distinct versions in commit
	// order.
	ImportOfficial(ctx context.Context, r OfficialRelease, results []StationResult, ev Event) (OfficialRelease, error)

	// OfficialReleases returns the releases of an election in version order; none if
	// nothing has been imported.
	OfficialReleases(ctx context.Context, election string) ([]OfficialRelease, error)

	// OfficialResults returns the results of one release, version 0 meaning the latest,
	// that q selects: its station results, ordered by station and then contest in byte
	// order, or with q.Totals its area totals, ordered by area and then contest. It
	// returns ENotFound for an unknown election, version or q.Area, and for version 0 if
	// the election has no release. Results are exactly as imported: a figure not given is
	// absent, and Counts and Votes are never nil. The station results followed by the
	// totals are the release's results in the order of SortResults, those that
	// OfficialDigest covers.
	OfficialResults(ctx context.Context, election string, version int, q OfficialQuery) ([]StationResult, error)
}

// ResultIndex checks station results and area totals against an election. Build it with
// NewResultIndex from a package that passed Package.Validate; it is safe for concurrent
// reads.
type ResultIndex struct {
	stationArea map[string]string   // station → its area
	paths       map[string][]string // area → the codes from the root down to it
	contests    map[string]*indexedContest
	order       []string // contest codes in load order
}

type indexedContest struct {
	choices map[string]bool
	areas   map[string]bool
	above   map[string]bool // the contest's areas and every area above one of them
	list    []string        // the contest's areas, in load order
}

// NewResultIndex indexes the areas, stations and contests of p. Only the codes, the
// stations' areas, the areas' parents and the contests' areas and choices are read.
func NewResultIndex(p *Package) *ResultIndex {
	ix := &ResultIndex{
		stationArea: make(map[string]string, len(p.Stations)),
		paths:       make(map[string][]string, len(p.Areas)),
		contests:    make(map[string]*indexedContest, len(p.Contests)),
	}
	areas := NewAreaIndex(p.Areas)
	for _, a := range p.Areas {
		ix.paths[a.Code] = areas.Path(a.Code)
	}
	for _, s := range p.Stations {
		ix.stationArea[s.Code] = s.Area
	}
	for _, c := range p.Contests {
		ic := &indexedContest{choices: make(map[string]bool, len(c.Choices)), areas: make(map[string]bool, len(c.Areas)),
			above: make(map[string]bool, len(c.Areas)), list: c.Areas}
		for _, ch := range c.Choices {
			ic.choices[ch.Code] = true
		}
		for _, a := range c.Areas {
			ic.areas[a] = true
			ic.above[a] = true
			for _, up := range ix.paths[a] {
				ic.above[up] = true
			}
		}
		if _, dup := ix.contests[c.Code]; !dup {
			ix.order = append(ix.order, c.Code)
		}
		ix.contests[c.Code] = ic
	}
	return ix
}

// HasStation reports whether the election has a station with this code.
func (ix *ResultIndex) HasStation(code string) bool {
	_, ok := ix.stationArea[code]
	return ok
}

// HasArea reports whether the election has an area with this code.
func (ix *ResultIndex) HasArea(code string) bool {
	_, ok := ix.paths[code]
	return ok
}

// HasContest reports whether the election has a contest with this code.
func (ix *ResultIndex) HasContest(code string) bool {
	_, ok := ix.contests[code]
	return ok
}

// HasChoice reports whether the contest has a choice with this code.
func (ix *ResultIndex) HasChoice(contest, choice string) bool {
	c, ok := ix.contests[contest]
	return ok && c.choices[choice]
}

// VotesIn reports whether the station votes in the contest: whether it lies at or below
// one of the contest's areas.
func (ix *ResultIndex) VotesIn(station, contest string) bool {
	c, ok := ix.contests[contest]
	if !ok {
		return false
	}
	area, ok := ix.stationArea[station]
	if !ok {
		return false
	}
	path, ok := ix.paths[area]
	if !ok {
		path = []string{area}
	}
	for _, a := range path {
		if c.areas[a] {
			return true
		}
	}
	return false
}

// AreaVotesIn reports whether the contest is voted in the area, so that the area can have
// a total of it: whether the area is one of the contest's areas, lies below one, or
// contains one. A region's total of a national contest, and the country's total of a
// constituency's contest, both qualify; a region that is neither within nor above any of
// the contest's areas does not.
func (ix *ResultIndex) AreaVotesIn(area, contest string) bool {
	c, ok := ix.contests[contest]
	if !ok {
		return false
	}
	path, ok := ix.paths[area]
	if !ok {
		return false
	}
	if c.above[area] {
		return true
	}
	for _, a := range path {
		if c.areas[a] {
			return true
		}
	}
	return false
}

// NotVotedInArea returns the message for an area in which a contest is not voted (see
// AreaVotesIn), naming the contest's areas.
func (ix *ResultIndex) NotVotedInArea(area, contest string) Message {
	var in []string
	if c, ok := ix.contests[contest]; ok {
		in = c.list
	}
	return Msg("error.package.not_voted_in_area", Lits("Contest", strconv.Quote(contest), "Area", strconv.Quote(area), "Areas", strings.Join(in, ", ")))
}

// StationContests returns the codes of the contests the station votes in, in load order.
func (ix *ResultIndex) StationContests(station string) []string {
	var out []string
	for _, c := range ix.order {
		if ix.VotesIn(station, c) {
			out = append(out, c)
		}
	}
	return out
}

// Check checks results: each must pass StationResult.Validate, name a station (or for an
// area total, an area) and a contest of the election, and vote only for choices of the
// contest; a station must vote in the contest (VotesIn), and the contest must be voted in
// an area that has a total of it (AreaVotesIn); and no station and contest, nor area and
// contest, may appear twice. It returns nil or Problems with Record RecordResult and Index
// the position of the result in results.
func (ix *ResultIndex) Check(results []StationResult) error {
	var out Problems
	type key struct{ station, area, contest string }
	first := make(map[key]int, len(results))
	for i := range results {
		r := &results[i]
		put := func(field string, m Message) {
			p := Problemf(field, m)
			p.Record, p.Index = RecordResult, i
			out = append(out, p)
		}
		addMsg := func(field, key string, pairs ...any) { put(field, Msg(key, Lits(pairs...))) }
		if err := r.Validate(); err != nil {
			var ps problems
			ps.nest("", err)
			for _, p := range ps.list {
				p.Record, p.Index, p.Field = RecordResult, i, strings.TrimPrefix(p.Field, ".")
				out = append(out, p)
			}
			continue
		}
		k := key{r.Station, r.Area, r.Contest}
		if j, dup := first[k]; dup {
			if r.IsTotal() {
				addMsg("", "error.package.area_contest_twice", "Area", strconv.Quote(r.Area), "Contest", strconv.Quote(r.Contest), "First", j+1)
			} else {
				addMsg("", "error.package.station_contest_twice", "Station", strconv.Quote(r.Station), "Contest", strconv.Quote(r.Contest), "First", j+1)
			}
			continue
		}
		first[k] = i
		var place bool
		if r.IsTotal() {
			if place = ix.HasArea(r.Area); !place {
				addMsg("area", "error.package.unknown_area", "Area", strconv.Quote(r.Area))
			}
		} else if place = ix.HasStation(r.Station); !place {
			addMsg("station", "error.package.unknown_station", "Station", strconv.Quote(r.Station))
		}
		contest := ix.HasContest(r.Contest)
		if !contest {
			addMsg("contest", "error.package.unknown_contest", "Contest", strconv.Quote(r.Contest))
		}
		if !place || !contest {
			continue
		}
		if r.IsTotal() {
			if !ix.AreaVotesIn(r.Area, r.Contest) {
				put("contest", ix.NotVotedInArea(r.Area, r.Contest))
				continue
			}
		} else if !ix.VotesIn(r.Station, r.Contest) {
			put("contest", ix.NotVotingIn(r.Station, r.Contest))
			continue
		}
		c := ix.contests[r.Contest]
		bad := false
		for ch := range r.Votes {
			bad = bad || !c.choices[ch]
		}
		if bad {
			for _, ch := range sortedKeys(r.Votes) {
				if !c.choices[ch] {
					addMsg("votes."+ch, "error.package.no_choice", "Contest", strconv.Quote(r.Contest), "Choice", strconv.Quote(ch))
				}
			}
		}
	}
	return out.Err()
}

// NotVotingIn returns the message for a station that does not vote in a contest, naming
// the contests it does vote in.
func (ix *ResultIndex) NotVotingIn(station, contest string) Message {
	in := ix.StationContests(station)
	if len(in) == 0 {
		return Msg("error.package.not_voting_none", Lits("Station", strconv.Quote(station), "Contest", strconv.Quote(contest)))
	}
	return Msg("error.package.not_voting_in", Lits("Station", strconv.Quote(station), "Contest", strconv.Quote(contest), "Contests", strings.Join(in, ", ")))
}

// CheckResults checks results against the election p, which passed Package.Validate, as
// ResultIndex.Check does.
func CheckResults(p *Package, results []StationResult) error {
	return NewResultIndex(p).Check(results)
}

// MarshalOfficial returns the canonical JSON (package canonjson) of a release and its
// results, the document whose SHA-256 is OfficialDigest:
//
//	{"election":…,"imported":…,"note":…,"published":…,"results":[…],"source":…,"version":…}
//
// Times are in UTC, written as time.RFC3339Nano writes them; note is "" when there is
// none. Results are in the order of SortResults, station results first, each written as
//
//	{"contest":…,"counts":{"cast":…,…},"station":…,"votes":{"C01-01":…,…}}
//
// and then area totals, each written as
//
//	{"area":…,"contest":…,"counts":{…},"votes":{…}}
//
// with counts and votes always present, possibly empty. A release of station results
// only has the document it had before area totals existed. The release's Results,
// Totals, Seq and Hash are not part of it: they are derived from it. MarshalOfficial
// returns an error if a result does not pass StationResult.Validate. Anyone holding a
// release, as OfficialReleases and OfficialResults (without and with Totals) return it,
// can recompute the document and its hash.
func MarshalOfficial(r OfficialRelease, results []StationResult) ([]byte, error) {
	var buf bytes.Buffer
	if err := writeOfficial(&buf, r, results); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// OfficialDigest returns the SHA-256 of MarshalOfficial(r, results), computed without
// holding the whole document in memory.
func OfficialDigest(r OfficialRelease, results []StationResult) ([32]byte, error) {
	h := sha256.New()
	if err := writeOfficial(h, r, results); err != nil {
		return [32]byte{}, err
	}
	return [32]byte(h.Sum(nil)), nil
}

func writeOfficial(w io.Writer, r OfficialRelease, results []StationResult) error {
	order := make([]int, len(results))
	for i := range results {
		if err := results[i].Validate(); err != nil {
			return fmt.Errorf("result %d: %w", i+1, err)
		}
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return compareResults(results[a], results[b]) })
	bw := bufio.NewWriterSize(w, 64<<10)
	var b []byte
	var err error
	b = append(b, `{"election":`...)
	if b, err = appendString(b, r.Election); err != nil {
		return err
	}
	b = append(b, `,"imported":"`...)
	b = r.Imported.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","note":`...)
	if b, err = appendString(b, r.Note); err != nil {
		return err
	}
	b = append(b, `,"published":"`...)
	b = r.Published.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","results":[`...)
	bw.Write(b)
	for n, i := range order {
		b = b[:0]
		if n > 0 {
			b = append(b, ',')
		}
		b = AppendResultJSON(b, &results[i])
		bw.Write(b)
	}
	b = append(b[:0], `],"source":`...)
	if b, err = appendString(b, r.Source); err != nil {
		return err
	}
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, int64(r.Version), 10)
	b = append(b, '}')
	bw.Write(b)
	return bw.Flush()
}

// AppendResultJSON appends the canonical JSON of r, as MarshalOfficial writes it, to b:
// the key "area" only for an area total, and "station" only for a station's result. r
// must pass StationResult.Validate; otherwise the output is valid JSON but may not be
// canonical.
func AppendResultJSON(b []byte, r *StationResult) []byte {
	var scratch [32]string
	if r.Area != "" {
		b = append(b, `{"area":`...)
		b = appendCode(b, r.Area)
		b = append(b, `,"contest":`...)
	} else {
		b = append(b, `{"contest":`...)
	}
	b = appendCode(b, r.Contest)
	b = append(b, `,"counts":{`...)
	keys := scratch[:0]
	for k := range r.Counts {
		keys = insertSorted(keys, string(k))
	}
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCode(b, k)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(r.Counts[CountKind(k)]), 10)
	}
	b = append(b, '}')
	if r.Station != "" || r.Area == "" {
		b = append(b, `,"station":`...)
		b = appendCode(b, r.Station)
	}
	b = append(b, `,"votes":{`...)
	keys = scratch[:0]
	for c := range r.Votes {
		keys = insertSorted(keys, c)
	}
	for i, c := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCode(b, c)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(r.Votes[c]), 10)
	}
	return append(b, "}}"...)
}

// insertSorted inserts s into the sorted slice keys. A result has few keys, and sorting
// by insertion into a buffer on the caller's stack allocates nothing for up to 32.
func insertSorted(keys []string, s string) []string {
	keys = append(keys, s)
	i := len(keys) - 1
	for ; i > 0 && keys[i-1] > s; i-- {
		keys[i] = keys[i-1]
	}
	keys[i] = s
	return keys
}

// appendCode appends s as a JSON string. A valid code needs no escaping; anything else is
// written in canonical form if it has one, and otherwise by encoding/json, which replaces
// invalid UTF-8: the output is always valid JSON.
func appendCode(b []byte, s string) []byte {
	if ValidCode(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	if c, err := canonjson.Marshal(s); err == nil {
		return append(b, c...)
	}
	c, _ := json.Marshal(s) // a string always encodes
	return append(b, c...)
}

// appendString appends the canonical JSON form of s (NFC, minimal escapes).
func appendString(b []byte, s string) ([]byte, error) {
	if ValidCode(s) {
		return appendCode(b, s), nil
	}
	c, err := canonjson.Marshal(s)
	if err != nil {
		return b, err
	}
	return append(b, c...), nil
}
