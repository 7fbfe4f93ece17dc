package simulate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/qa"
)

// Rates are how often a Scenario makes things go wrong. Each is a share between 0 and 1;
// counts are rounded to the nearest whole number, and capped by the stations or reports
// that can take the event (DefaultRates documents which).
type Rates struct {
	// Silent is the share of all stations whose results never arrive, chosen among the
	// stations an observer counts at.
	Silent float64
	// SilentAll is the share of the silent stations whose observers send nothing at all
	// (they never enroll); at the others they send their opening checklist and then
	// nothing.
	SilentAll float64
	// Disagree is the share of all stations at which two observers' results disagree on
	// one or two fields, because one of them slipped a digit; chosen among the stations
	// where two or more observers count.
	Disagree float64
	// Arithmetic is the share of results reports whose figures do not add up; chosen
	// among stations where one observer counts, so that no conflict hides them.
	Arithmetic float64
	// Correct is the share of the reports with broken arithmetic that their observer
	// corrects later with a new report.
	Correct float64
	// Resend is the share of all reports that a device sends a second time, byte for byte.
	Resend float64
	// Incident is the share of all stations from which incidents are reported.
	Incident float64
	// Supervisor is the share of incidents reported by the supervisor of one of the
	// station's observers rather than by the observer.
	Supervisor float64
	// Trouble is the share of stations where the checklists report problems (a late
	// opening, materials missing, obstruction…).
	Trouble float64
	// NoMachine is the share of troubled stations where the machine's result was not
	// printed, so the results reports there carry no machine tallies.
	NoMachine float64
	// Offline is the share of devices with no signal in the morning: they send their
	// morning reports together, in one request, when they reconnect.
	Offline float64
	// Late is the share of results reports sent late in the night (23:30–23:59).
	Late float64
}

// DefaultRates are the rates of the demonstration: 5% of stations silent (half of them
// entirely), disagreements at 4% of stations, broken arithmetic in 2% of results reports
// (30% of them corrected later), 1% of reports resent, incidents at 8% of stations (20% of
// them reported by a supervisor), problems at 4% of stations (machine result missing at
// 30% of those), 3% of devices offline in the morning, 3% of results sent late.
var DefaultRates = Rates{
	Silent: 0.05, SilentAll: 0.5, Disagree: 0.04, Arithmetic: 0.02, Correct: 0.3, Resend: 0.01,
	Incident: 0.08, Supervisor: 0.2, Trouble: 0.04, NoMachine: 0.3, Offline: 0.03, Late: 0.03,
}

// Mongolia is the time zone of the demonstration election, UTC+08:00.
var Mongolia = time.FixedZone("ULAT", 8*60*60)

// The arithmetic breaks a Scenario injects, named in PlannedReport.Break.
const (
	// BreakCastSum: invalid ballots written too high, so valid + invalid != cast.
	BreakCastSum = "cast-sum"
	// BreakAboveCast: a block-vote candidate given more votes than ballots in the box
	// (a digit typed twice).
	BreakAboveCast = "candidate-above-cast"
	// BreakVotesSum: a choice's votes off by a power of ten in a single-choice contest, so
	// the votes no longer add up to the valid ballots.
	BreakVotesSum = "votes-sum"
)

// Silence says how much a station's observers send.
type Silence int

// The silences.
const (
	Heard              Silence = iota // everything planned is sent
	SilentAfterOpening                // the opening checklist and nothing after it
	SilentAll                         // nothing at all
)

// Scenario is one planned election day: which devices enroll when, every report each
// sends and when, and what the server should make of each. Plan builds it; Run plays it.
// Everything in it follows from the package, the true results and the seed. A Scenario
// is read-only once built.
type Scenario struct {
	Election string
	// Start and End are 07:00 and 24:00 of election day in the election's time zone: the
	// stretch of simulated time that Run maps onto its duration.
	Start, End time.Time
	Rates      Rates
	// Stations has one plan per station, in package order.
	Stations []StationPlan
	// Devices has one plan per observer who enrolls a device, in package order.
	Devices []DevicePlan
	// Reports is every distinct report, in the order of their time.
	Reports []*PlannedReport
	Counts  Counts
}

// StationPlan is what happens at one station.
type StationPlan struct {
	Station string
	// Observers are the static and mobile observers assigned to the station.
	Observers []string
	// Reporters are the observers who stay for the count and report results here: the
	// static observers and the mobile ones whose last station it is.
	Reporters []string
	Silence   Silence
	Trouble   bool
	NoMachine bool
	// Disagreement marks a station where one reporter's results carry a typo.
	Disagreement bool
	// Opened is when voting began; CountEnd when the count ended.
	Opened, CountEnd time.Time
	// Incidents is the number of incident reports from the station.
	Incidents int
}

// DevicePlan is one observer's phone: when it enrolls and what it sends.
type DevicePlan struct {
	Observer string
	// Enroll is when the device enrolls its key, before its first report.
	Enroll time.Time
	// Sends are the device's requests in order of time.
	Sends []Send
}

// Send is one request a device makes.
type Send struct {
	At      time.Time
	Reports []*PlannedReport
	// Batch marks a request of the form {"envelopes": […]}; otherwise Reports holds one
	// report, sent as a bare envelope.
	Batch bool
	// Resend marks a second sending of a report already sent: the server answers with
	// the receipt it gave the first time.
	Resend bool
}

// PlannedReport is one report and what the server should make of it.
type PlannedReport struct {
	Report iltod.Report
	// Observer is who sends the report (from the device they enrolled).
	Observer string
	Kind     iltod.FormKind
	// At is when the observer finished the report (its device time).
	At time.Time
	// Break names the arithmetic break injected (BreakCastSum …), or "".
	Break string
	// Typo lists the tags whose figures a slipped digit changed, or nil.
	Typo []string
	// Corrects is the id of the report this one corrects, or "".
	Corrects string
	// Corrected is the id of the report that corrects this one, or "".
	Corrected string
	// ExpectFlagged says whether a QA check should fail on the report: its arithmetic was
	// broken, or the true machine and hand counts differ and the report gives both.
	ExpectFlagged bool
}

// Counts are what a Scenario planned.
type Counts struct {
	Stations int
	// Uncovered stations have no observer who counts there.
	Uncovered int
	// Silent stations never send results; SilentAll of them send nothing at all.
	Silent, SilentAll int
	// Trouble stations report problems in their checklists.
	Trouble int
	// Disagreements are stations where two observers' results disagree; Typos the fields
	// they disagree on, summed over those stations (the conflicts their records show).
	Disagreements, Typos int
	// ArithmeticBreaks are results reports whose figures do not add up; Corrections the
	// reports that later correct some of them.
	ArithmeticBreaks, Corrections int
	// MachineManual are honest results reports that a check flags because the true
	// machine and hand counts differ.
	MachineManual int
	// ExpectFlagged is the number of distinct reports a QA check should flag.
	ExpectFlagged int
	// IncidentStations report Incidents incident reports between them.
	IncidentStations, Incidents int
	// Devices enroll; Reports are distinct reports; Resends are second sendings of one;
	// Batches are requests carrying several envelopes.
	Devices, Reports, Resends, Batches int
	// ResultsReports are the distinct results reports, corrections included.
	ResultsReports int
}

// forms are the latest versions of the forms a scenario uses; nil where the package has
// none.
type forms struct {
	opening, closing, incident, results *iltod.Form
}

func pickForms(fs []iltod.Form) forms {
	latest := map[string]*iltod.Form{}
	var order []string
	for i := range fs {
		f := &fs[i]
		prev, ok := latest[f.Code]
		if !ok {
			order = append(order, f.Code)
		}
		if !ok || f.Version > prev.Version {
			latest[f.Code] = f
		}
	}
	var out forms
	var checklists []*iltod.Form
	for _, code := range order {
		f := latest[code]
		switch f.Kind {
		case iltod.Checklist:
			checklists = append(checklists, f)
		case iltod.Incident:
			if out.incident == nil {
				out.incident = f
			}
		case iltod.Results:
			if out.results == nil {
				out.results = f
			}
		}
	}
	for _, f := range checklists {
		c := strings.ToLower(f.Code)
		switch {
		case out.opening == nil && strings.Contains(c, "open"):
			out.opening = f
		case out.closing == nil && strings.Contains(c, "clos"):
			out.closing = f
		}
	}
	for _, f := range checklists {
		switch {
		case f == out.opening || f == out.closing:
		case out.opening == nil:
			out.opening = f
		case out.closing == nil:
			out.closing = f
		}
	}
	return out
}

// planner holds the state of Plan.
type planner struct {
	p       *iltod.Package
	truth   *Results
	seed    int64
	rates   Rates
	g       *rand.Rand
	forms   forms
	areas   *iltod.AreaIndex
	sheets  map[[2]string]*qa.Sheet
	day     time.Time // midnight starting election day
	sc      *Scenario
	byObs   map[string][]*PlannedReport
	ids     map[string]bool
	station map[string]int
	lang    map[string]string
	superOf map[string]string
	// choices is each contest's number of choices.
	choices map[string]int
	// corrections pairs a broken report with the report that corrects it.
	corrections [][2]*PlannedReport
}

// Plan builds the scenario of election day for p from its true results and seed, at the
// given rates, with times in loc (nil means Mongolia). The same arguments always give the
// same Scenario, report ids and answers included.
//
// It uses the latest version of four forms: a checklist whose code contains "open" and
// one whose code contains "clos" (else the first two checklists), the first incident
// form and the first results form; a kind of report whose form is missing is not sent.
// Static observers report at their station; a mobile observer sends the opening
// checklist at the first station of its list and stays for the count at the last;
// supervisors enroll and report some of the incidents of the stations they supervise.
//
// The day, in the election's time zone:
//   - 07:00: voting begins (10–60 minutes late at some troubled stations). Devices enroll
//     between 07:00 and their first report.
//   - Opening checklists 4–50 minutes after voting begins; a mobile observer's 20 minutes
//     to 2 hours after.
//   - Incidents between 07:40 and 21:30.
//   - 22:00: voting closes. The count ends between 22:15 and 23:20, later at larger
//     stations. The closing checklist, which asks when the count ended, follows 1–6
//     minutes after; the results 2–20 minutes after that, or for some (Rates.Late)
//     between 23:30 and 23:55.
//   - A correction follows the broken report by 15–45 minutes; a resend follows the
//     first sending by 1–10 minutes; an offline device sends its reports from before
//     noon in one batch 5–60 minutes after the last of them. Nothing is later than
//     23:59:30.
//
// Report ids are ULIDs of the report's time and the seed's randomness.
//
// Plan returns an error if truth is not of p, the election's date does not parse, or a
// form cannot be filled at a station (which Answers explains).
func Plan(p *iltod.Package, truth *Results, seed int64, rates Rates, loc *time.Location) (*Scenario, error) {
	if truth == nil || truth.Election != p.Election.ID || len(truth.Stations) != len(p.Stations) {
		return nil, fmt.Errorf("the true results are not of election %s", p.Election.ID)
	}
	if loc == nil {
		loc = Mongolia
	}
	date, err := time.ParseInLocation(time.DateOnly, p.Election.Date, loc)
	if err != nil {
		return nil, fmt.Errorf("election date: %w", err)
	}
	pl := &planner{p: p, truth: truth, seed: seed, rates: rates, g: seeded(seed, "scenario"),
		forms: pickForms(p.Forms), areas: iltod.NewAreaIndex(p.Areas), sheets: map[[2]string]*qa.Sheet{},
		day: date, byObs: map[string][]*PlannedReport{}, ids: map[string]bool{}, station: map[string]int{},
		lang: map[string]string{}, superOf: map[string]string{}}
	pl.sc = &Scenario{Election: p.Election.ID, Start: date.Add(7 * time.Hour), End: date.Add(24 * time.Hour), Rates: rates}
	if err := pl.run(); err != nil {
		return nil, err
	}
	return pl.sc, nil
}

// sheet returns form f as it applies at station st, expanded once.
func (pl *planner) sheet(f *iltod.Form, st *iltod.Station) (*qa.Sheet, error) {
	k := [2]string{st.Code, f.Code}
	if s, ok := pl.sheets[k]; ok {
		return s, nil
	}
	s, err := qa.Expand(f, *st, pl.p.Contests, pl.areas)
	if err != nil {
		return nil, err
	}
	pl.sheets[k] = s
	return s, nil
}

// clockAt returns hh:mm plus seconds on election day.
func (pl *planner) clockAt(hh, mm int, sec float64) time.Time {
	return pl.day.Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute + time.Duration(sec*float64(time.Second)))
}

// within returns a time uniformly between a and b, to the second.
func within(g *rand.Rand, a, b time.Time) time.Time {
	if !b.After(a) {
		return a.Truncate(time.Second)
	}
	return a.Add(time.Duration(g.Int64N(int64(b.Sub(a)/time.Second)+1)) * time.Second).Truncate(time.Second)
}

// capDay keeps t before the end of the day.
func (pl *planner) capDay(t time.Time) time.Time {
	if end := pl.sc.End.Add(-30 * time.Second); t.After(end) {
		return end
	}
	return t
}

func (pl *planner) run() error {
	p, sc := pl.p, pl.sc
	for i := range p.Stations {
		pl.station[p.Stations[i].Code] = i
	}
	pl.choices = map[string]int{}
	for _, c := range p.Contests {
		pl.choices[c.Code] = len(c.Choices)
	}
	sc.Stations = make([]StationPlan, len(p.Stations))
	for i := range p.Stations {
		sc.Stations[i].Station = p.Stations[i].Code
	}
	// Who is where.
	var mobiles []*iltod.Observer
	for i := range p.Observers {
		o := &p.Observers[i]
		pl.lang[o.Code] = "mn"
		if seeded(pl.seed, "observer", o.Code).Float64() < 0.25 {
			pl.lang[o.Code] = "en"
		}
		if o.Supervisor != "" && o.Supervisor != o.Code {
			pl.superOf[o.Code] = o.Supervisor
		}
		switch o.Role {
		case iltod.Static, iltod.Mobile:
			if len(o.Stations) == 0 {
				continue
			}
			for _, s := range o.Stations {
				if j, ok := pl.station[s]; ok {
					sc.Stations[j].Observers = append(sc.Stations[j].Observers, o.Code)
				}
			}
			reportsAt := o.Stations[len(o.Stations)-1]
			if o.Role == iltod.Static {
				reportsAt = o.Stations[0]
			} else {
				mobiles = append(mobiles, o)
			}
			if j, ok := pl.station[reportsAt]; ok && pl.forms.results != nil {
				sc.Stations[j].Reporters = append(sc.Stations[j].Reporters, o.Code)
			}
		}
	}
	// Conditions at each station, from its own generator.
	for i := range sc.Stations {
		s := &sc.Stations[i]
		g := seeded(pl.seed, "conditions", s.Station)
		s.Trouble = g.Float64() < pl.rates.Trouble
		s.NoMachine = s.Trouble && g.Float64() < pl.rates.NoMachine
		s.Opened = pl.clockAt(7, 0, 0)
		if s.Trouble && g.Float64() < 0.4 {
			s.Opened = pl.clockAt(7, 10+g.IntN(50), 0)
		}
		reg := float64(p.Stations[i].Registered)
		mins := 25 + 40*math.Min(reg/2500, 1) + 8*g.NormFloat64()
		s.CountEnd = pl.clockAt(22, 0, 60*math.Max(15, math.Min(mins, 80))+float64(g.IntN(60)))
	}
	pl.choose()
	if err := pl.reports(mobiles); err != nil {
		return err
	}
	pl.identify()
	pl.devices()
	pl.count()
	return nil
}

// pick returns up to n of candidates, chosen by the scenario's generator, in their order.
func (pl *planner) pick(candidates []int, n int) []int {
	n = min(n, len(candidates))
	perm := pl.g.Perm(len(candidates))[:n]
	out := make([]int, n)
	for i, j := range perm {
		out[i] = candidates[j]
	}
	slices.Sort(out)
	return out
}

func rate(share float64, of int) int { return int(math.Round(share * float64(of))) }

// choose picks the silent, disagreeing and incident stations.
func (pl *planner) choose() {
	sc := pl.sc
	n := len(sc.Stations)
	var covered []int
	for i, s := range sc.Stations {
		if len(s.Reporters) > 0 {
			covered = append(covered, i)
		}
	}
	silent := pl.pick(covered, rate(pl.rates.Silent, n))
	all := rate(pl.rates.SilentAll, len(silent))
	for k, j := range pl.g.Perm(len(silent)) {
		sc.Stations[silent[j]].Silence = SilentAfterOpening
		if k < all {
			sc.Stations[silent[j]].Silence = SilentAll
		}
	}
	var multi []int
	for i, s := range sc.Stations {
		if s.Silence == Heard && len(s.Reporters) >= 2 {
			multi = append(multi, i)
		}
	}
	for _, i := range pl.pick(multi, rate(pl.rates.Disagree, n)) {
		sc.Stations[i].Disagreement = true
	}
	var watched []int
	for i, s := range sc.Stations {
		if s.Silence == Heard && len(s.Observers) > 0 && pl.forms.incident != nil {
			watched = append(watched, i)
		}
	}
	for _, i := range pl.pick(watched, rate(pl.rates.Incident, n)) {
		k := 1
		switch x := pl.g.Float64(); {
		case x < 0.05:
			k = 3
		case x < 0.30:
			k = 2
		}
		sc.Stations[i].Incidents = k
	}
}

// add records a report of observer at station on form f, finished at t, with answers
// drawn for obs and, if the observer shares it, the phone's position near the station.
func (pl *planner) add(observer string, st *iltod.Station, f *iltod.Form, t time.Time, obs Observation, salt string) (*PlannedReport, error) {
	sheet, err := pl.sheet(f, st)
	if err != nil {
		return nil, err
	}
	t = pl.capDay(t)
	obs.At = t
	obs.Lang = pl.lang[observer]
	res, _ := pl.truth.Station(st.Code)
	g := seeded(pl.seed, "answers", observer, st.Code, f.Code, salt)
	answers, err := Answers(sheet, res, obs, g)
	if err != nil {
		return nil, fmt.Errorf("form %s at station %s: %w", f.Code, st.Code, err)
	}
	r := &PlannedReport{Kind: f.Kind, At: t, Observer: observer, Report: iltod.Report{
		Election: pl.p.Election.ID, Station: st.Code, Form: f.Code, FormVersion: f.Version,
		Answers: answers, DeviceTime: t.Format(time.RFC3339), Position: position(pl.seed, observer, st, f.Code, salt)}}
	if f.Kind == iltod.Results {
		r.ExpectFlagged = machineFlag(sheet, answers)
	}
	pl.sc.Reports = append(pl.sc.Reports, r)
	pl.byObs[observer] = append(pl.byObs[observer], r)
	return r, nil
}

// observation is what observers see at station plan s.
func observation(s *StationPlan) Observation {
	return Observation{Opened: s.Opened, CountEnd: s.CountEnd, Trouble: s.Trouble, NoMachine: s.NoMachine}
}

// reports plans every report.
func (pl *planner) reports(mobiles []*iltod.Observer) error {
	p, sc, f := pl.p, pl.sc, pl.forms
	firstOf := map[string]string{} // mobile observer → station of their opening checklist
	for _, o := range mobiles {
		for _, code := range o.Stations {
			if j, ok := pl.station[code]; ok && sc.Stations[j].Silence != SilentAll {
				firstOf[o.Code] = code
				break
			}
		}
	}
	mobile := map[string]bool{}
	for _, o := range mobiles {
		mobile[o.Code] = true
	}
	for i := range sc.Stations {
		s := &sc.Stations[i]
		st := &p.Stations[i]
		g := seeded(pl.seed, "timeline", s.Station)
		if s.Silence == SilentAll {
			continue
		}
		// Opening checklists: the static observers as voting begins, mobile observers at
		// the first station they visit.
		if f.opening != nil {
			for _, o := range s.Observers {
				var t time.Time
				switch {
				case mobile[o] && firstOf[o] == s.Station:
					t = within(g, s.Opened.Add(20*time.Minute), s.Opened.Add(2*time.Hour))
				case mobile[o]:
					continue
				default:
					t = within(g, s.Opened.Add(4*time.Minute), s.Opened.Add(50*time.Minute))
				}
				if _, err := pl.add(o, st, f.opening, t, observation(s), ""); err != nil {
					return err
				}
			}
		}
		if s.Silence != Heard {
			continue
		}
		// Incidents, during the day.
		for k := 0; k < s.Incidents; k++ {
			o := s.Observers[g.IntN(len(s.Observers))]
			if sup, ok := pl.superOf[o]; ok && g.Float64() < pl.rates.Supervisor {
				o = sup
			}
			t := within(g, pl.clockAt(7, 40, 0), pl.clockAt(21, 30, 0))
			if _, err := pl.add(o, st, f.incident, t, observation(s), strconv.Itoa(k)); err != nil {
				return err
			}
		}
		// The count: the closing checklist and the results.
		typist := -1
		if s.Disagreement {
			typist = g.IntN(len(s.Reporters))
		}
		for k, o := range s.Reporters {
			closed := within(g, s.CountEnd.Add(time.Minute), s.CountEnd.Add(6*time.Minute))
			if f.closing != nil {
				if _, err := pl.add(o, st, f.closing, closed, observation(s), ""); err != nil {
					return err
				}
			}
			t := within(g, closed.Add(2*time.Minute), closed.Add(20*time.Minute))
			if g.Float64() < pl.rates.Late {
				t = within(g, pl.clockAt(23, 30, 0), pl.clockAt(23, 55, 0))
			}
			r, err := pl.add(o, st, f.results, t, observation(s), "")
			if err != nil {
				return err
			}
			if k == typist {
				sheet, _ := pl.sheet(f.results, st)
				r.Typo = typo(sheet, r.Report.Answers, pl.g)
			}
		}
	}
	return pl.breaks()
}

// breaks breaks the arithmetic of some results reports, and corrects some of them.
func (pl *planner) breaks() error {
	sc := pl.sc
	var results []*PlannedReport
	var single []int // indexes in results of reports from single-reporter stations
	for _, r := range sc.Reports {
		if r.Kind != iltod.Results {
			continue
		}
		if s := &sc.Stations[pl.station[r.Report.Station]]; len(s.Reporters) == 1 && !s.Disagreement {
			single = append(single, len(results))
		}
		results = append(results, r)
	}
	var broken []*PlannedReport
	for _, k := range pl.pick(single, rate(pl.rates.Arithmetic, len(results))) {
		r := results[k]
		sheet, err := pl.sheet(pl.forms.results, &pl.p.Stations[pl.station[r.Report.Station]])
		if err != nil {
			return err
		}
		if r.Break = breakArithmetic(sheet, r.Report.Answers, pl.choices, pl.g); r.Break != "" {
			r.ExpectFlagged = true
			broken = append(broken, r)
		}
	}
	for _, j := range pl.g.Perm(len(broken))[:rate(pl.rates.Correct, len(broken))] {
		r := broken[j]
		i := pl.station[r.Report.Station]
		t := r.At.Add(time.Duration(15+pl.g.IntN(30)) * time.Minute)
		// The same observation and generator as the original give its honest answers.
		c, err := pl.add(r.Observer, &pl.p.Stations[i], pl.forms.results, t, observation(&sc.Stations[i]), "")
		if err != nil {
			return err
		}
		pl.corrections = append(pl.corrections, [2]*PlannedReport{r, c})
	}
	return nil
}

// identify orders the reports by time and gives each a ULID: its time in milliseconds
// and 80 bits from the scenario's generator.
func (pl *planner) identify() {
	sc := pl.sc
	slices.SortStableFunc(sc.Reports, func(a, b *PlannedReport) int { return a.At.Compare(b.At) })
	for _, r := range sc.Reports {
		for {
			id := ulid(r.At, pl.g)
			if !pl.ids[id] {
				pl.ids[id] = true
				r.Report.ID = id
				break
			}
		}
	}
	for _, c := range pl.corrections {
		c[0].Corrected, c[1].Corrects = c[1].Report.ID, c[0].Report.ID
	}
}

// devices plans each observer's phone: enrollment, then its reports one request each,
// except that an offline device sends its morning reports together when it reconnects;
// and some reports sent a second time.
func (pl *planner) devices() {
	sc := pl.sc
	noon := pl.clockAt(12, 0, 0)
	owner := map[*PlannedReport]int{} // report → index of its device
	sentAt := map[*PlannedReport]time.Time{}
	for i := range pl.p.Observers {
		o := &pl.p.Observers[i]
		reports := pl.byObs[o.Code]
		if len(reports) == 0 && o.Role != iltod.Supervisor {
			continue // never turned up
		}
		slices.SortStableFunc(reports, func(a, b *PlannedReport) int { return a.At.Compare(b.At) })
		g := seeded(pl.seed, "device", o.Code)
		d := DevicePlan{Observer: o.Code}
		if len(reports) > 0 {
			// Some time after 07:00 and before the first report, so that the morning's
			// enrollments spread out rather than all arriving at 07:00.
			first := reports[0].At
			from := first.Add(-45 * time.Minute)
			if from.Before(sc.Start) {
				from = sc.Start
			}
			d.Enroll = within(g, from, first.Add(-time.Minute))
			if d.Enroll.After(first) {
				d.Enroll = first
			}
		} else {
			d.Enroll = within(g, sc.Start, sc.Start.Add(time.Hour))
		}
		rest := reports
		if g.Float64() < pl.rates.Offline {
			var queued []*PlannedReport
			for len(rest) > 0 && rest[0].At.Before(noon) {
				queued, rest = append(queued, rest[0]), rest[1:]
			}
			if len(queued) > 0 {
				last := queued[len(queued)-1].At
				at := within(g, last.Add(5*time.Minute), last.Add(time.Hour))
				d.Sends = append(d.Sends, Send{At: at, Reports: queued, Batch: true})
				for _, r := range queued {
					sentAt[r] = at
				}
			}
		}
		for _, r := range rest {
			d.Sends = append(d.Sends, Send{At: r.At, Reports: []*PlannedReport{r}})
			sentAt[r] = r.At
		}
		for _, r := range reports {
			owner[r] = len(sc.Devices)
		}
		sc.Devices = append(sc.Devices, d)
	}
	all := make([]int, len(sc.Reports))
	for i := range all {
		all[i] = i
	}
	for _, i := range pl.pick(all, rate(pl.rates.Resend, len(sc.Reports))) {
		r := sc.Reports[i]
		d := &sc.Devices[owner[r]]
		at := pl.capDay(sentAt[r].Add(time.Duration(60+pl.g.IntN(540)) * time.Second))
		d.Sends = append(d.Sends, Send{At: at, Reports: []*PlannedReport{r}, Resend: true})
	}
	for i := range sc.Devices {
		slices.SortStableFunc(sc.Devices[i].Sends, func(a, b Send) int { return a.At.Compare(b.At) })
	}
}

// count fills in the scenario's Counts.
func (pl *planner) count() {
	sc := pl.sc
	c := &sc.Counts
	c.Stations = len(sc.Stations)
	for _, s := range sc.Stations {
		if len(s.Reporters) == 0 {
			c.Uncovered++
		}
		if s.Silence != Heard {
			c.Silent++
		}
		if s.Silence == SilentAll {
			c.SilentAll++
		}
		if s.Trouble {
			c.Trouble++
		}
		if s.Incidents > 0 {
			c.IncidentStations++
		}
	}
	for _, r := range sc.Reports {
		c.Reports++
		switch {
		case r.Kind == iltod.Incident:
			c.Incidents++
		case r.Kind == iltod.Results:
			c.ResultsReports++
		}
		if len(r.Typo) > 0 {
			c.Disagreements++
			c.Typos += len(r.Typo)
		}
		if r.Break != "" {
			c.ArithmeticBreaks++
		} else if r.ExpectFlagged {
			c.MachineManual++
		}
		if r.Corrects != "" {
			c.Corrections++
		}
		if r.ExpectFlagged {
			c.ExpectFlagged++
		}
	}
	c.Devices = len(sc.Devices)
	for _, d := range sc.Devices {
		for _, s := range d.Sends {
			if s.Resend {
				c.Resends++
			}
			if s.Batch {
				c.Batches++
			}
		}
	}
}
