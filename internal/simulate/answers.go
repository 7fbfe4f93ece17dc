package simulate

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/qa"
)

// Observation is what one observer saw at a station on election day, beyond the count
// itself: it shapes the answers of checklists and incident reports. The zero Observation
// is a quiet station where the observer writes at midnight; set At at least.
type Observation struct {
	// At is when the observer finishes the report, in the station's time zone. Times the
	// report gives (arrival, the end of the count, an incident) are at or before it.
	At time.Time
	// Opened is when voting began; zero means on time, at 07:00.
	Opened time.Time
	// CountEnd is when the count ended; zero means a few minutes before At.
	CountEnd time.Time
	// Trouble marks a station where things went wrong: materials missing, the observer
	// obstructed, a disruption, a protocol not posted. Checklist answers say so.
	Trouble bool
	// NoMachine marks a station where the machine's result was not printed, so a results
	// report leaves the machine tallies unanswered and the closing checklist says so.
	NoMachine bool
	// Lang is the language of free text, "mn" or "en"; "" means Mongolian.
	Lang string
}

// Answers returns the answers an honest observer gives on sheet at its station, keyed by
// concrete tag: a map that passes sheet.ValidateAnswers.
//
// A results form is filled from st, the station's true count: each concrete item from its
// binding (registered, issued, cast, valid, invalid — with blank ballots folded into
// invalid where the sheet does not count blank ones apart —, blank, and each choice by the
// manual or the machine tally). Questions bound to nothing, and checklists and incident
// reports, are filled from obs: the known questions of the demonstration forms (opening,
// closing, incident) by their meaning, any other by its type — yes mostly, times near
// obs.At, the first options mostly, integers within min and max, short texts. Optional
// questions are mostly answered; machine tallies are left out when obs.NoMachine is set;
// photo questions are never answered.
//
// Answers returns an error, and no answers, for a results sheet when st is nil or lacks a
// contest the sheet counts. rng supplies every random choice, so the same sheet, result,
// observation and generator state give the same answers.
func Answers(sheet *qa.Sheet, st *StationResult, obs Observation, rng *rand.Rand) (map[string]iltod.Value, error) {
	a := &answerer{sheet: sheet, st: st, obs: obs, g: rng, out: map[string]iltod.Value{}}
	if a.obs.At.IsZero() {
		a.obs.At = time.Date(2000, 1, 1, 23, 59, 0, 0, time.UTC)
	}
	for _, it := range sheet.Questions {
		if it.Count != "" {
			if err := a.count(it); err != nil {
				return nil, err
			}
			continue
		}
		if it.Question.Type == iltod.Photo {
			continue // a photo is a file the simulator does not make (nor draw for)
		}
		if !it.Question.Required && a.g.Float64() < 0.08 {
			continue // an optional question left blank
		}
		a.out[it.Tag] = a.answer(it)
	}
	return a.out, nil
}

type answerer struct {
	sheet *qa.Sheet
	st    *StationResult
	obs   Observation
	g     *rand.Rand
	out   map[string]iltod.Value
}

// count fills a question bound to a figure of the count from the true result.
func (a *answerer) count(it qa.Item) error {
	if it.Tally == iltod.TallyMachine && a.obs.NoMachine {
		return nil
	}
	if a.st == nil {
		return fmt.Errorf("question %s counts %s but there is no true result for station %s", it.Tag, it.Count, a.sheet.Station.Code)
	}
	var c *ContestResult
	if it.Contest != "" {
		var ok bool
		if c, ok = a.st.Contest(it.Contest); !ok {
			return fmt.Errorf("question %s counts contest %s, which station %s does not vote in", it.Tag, it.Contest, a.st.Station)
		}
	}
	var v int
	switch it.Count {
	case iltod.CountRegistered:
		v = a.st.Registered
	case iltod.CountIssued:
		v = a.st.Issued
	case iltod.CountCast:
		v = a.st.Cast
		if c != nil {
			v = c.Cast
		}
	case iltod.CountValid:
		v = c.Valid
	case iltod.CountInvalid:
		v = c.Invalid
		if !countsBlank(a.sheet, it.Contest) {
			v += c.Blank
		}
	case iltod.CountBlank:
		v = c.Blank
	case iltod.CountChoice:
		votes, ok := c.Votes[it.Choice]
		if !ok {
			return fmt.Errorf("question %s counts choice %s, which contest %s does not have", it.Tag, it.Choice, c.Contest)
		}
		if it.Tally == iltod.TallyMachine {
			votes = c.Machine[it.Choice]
		}
		v = votes
	default:
		return fmt.Errorf("question %s counts %q, which the simulator does not know", it.Tag, it.Count)
	}
	a.out[it.Tag] = iltod.IntValue(int64(v))
	return nil
}

// countsBlank reports whether the sheet counts blank ballots apart in contest.
func countsBlank(s *qa.Sheet, contest string) bool {
	for _, it := range s.Questions {
		if it.Count == iltod.CountBlank && it.Contest == contest {
			return true
		}
	}
	return false
}

// answer answers a question bound to no count.
func (a *answerer) answer(it qa.Item) iltod.Value {
	q := it.Question
	if v, ok := a.known(it); ok && fits(q, v) {
		return v
	}
	switch q.Type {
	case iltod.YesNo:
		yes := a.g.Float64() < 0.95
		if a.obs.Trouble && a.g.Float64() < 0.3 {
			yes = false
		}
		return iltod.BoolValue(yes)
	case iltod.Integer:
		return iltod.IntValue(a.between(q, 5, 12))
	case iltod.TimeOfDay:
		return clock(a.obs.At.Add(-time.Duration(5+a.g.IntN(40)) * time.Minute))
	case iltod.SelectOne:
		return iltod.StrValue(a.option(q))
	case iltod.SelectMultiple:
		l := []string{a.option(q)}
		if len(q.Options) > 2 && a.g.Float64() < 0.2 {
			if o := q.Options[len(q.Options)-1].Code; o != l[0] {
				l = append(l, o)
			}
		}
		return iltod.ListValue(l)
	case iltod.TextAnswer:
		return iltod.StrValue(a.text(""))
	}
	return iltod.Value{} // unknown type: not applicable, which validation will refuse
}

// option picks the first option mostly (forms list the normal answer first), or another.
func (a *answerer) option(q *iltod.Question) string {
	if a.g.Float64() < 0.75 && !a.obs.Trouble {
		return q.Options[0].Code
	}
	return q.Options[a.g.IntN(len(q.Options))].Code
}

// between returns a whole number near lo..hi, moved inside the question's min and max.
func (a *answerer) between(q *iltod.Question, lo, hi int64) int64 {
	v := lo + a.g.Int64N(hi-lo+1)
	if q.Min != nil {
		v = max(v, *q.Min)
	}
	if q.Max != nil {
		v = min(v, *q.Max)
	}
	return v
}

// fits reports whether v is of the kind q takes, with options and bounds respected.
func fits(q *iltod.Question, v iltod.Value) bool {
	switch q.Type {
	case iltod.YesNo:
		return v.Kind == iltod.Bool || (v.Kind == iltod.NA && q.NotApplicable)
	case iltod.Integer:
		return v.Kind == iltod.Int && (q.Min == nil || v.Int >= *q.Min) && (q.Max == nil || v.Int <= *q.Max)
	case iltod.TimeOfDay, iltod.TextAnswer:
		return v.Kind == iltod.Str
	case iltod.SelectOne:
		return v.Kind == iltod.Str && hasOption(q, v.Str)
	}
	return false
}

func hasOption(q *iltod.Question, code string) bool {
	for _, o := range q.Options {
		if o.Code == code {
			return true
		}
	}
	return false
}

// clock formats t as HH:MM.
func clock(t time.Time) iltod.Value { return iltod.StrValue(t.Format("15:04")) }

// at returns hh:mm on the day of the observation.
func (a *answerer) at(hh, mm int) time.Time {
	t := a.obs.At
	return time.Date(t.Year(), t.Month(), t.Day(), hh, mm, 0, 0, t.Location())
}

// notAfter returns t, or the observation's time if t is later.
func (a *answerer) notAfter(t time.Time) time.Time {
	if t.After(a.obs.At) {
		return a.obs.At
	}
	return t
}

// known answers the questions of the demonstration forms by what they mean. It reports
// false for a question it does not know; Answers then answers by type.
func (a *answerer) known(it qa.Item) (iltod.Value, bool) {
	g, trouble := a.g, a.obs.Trouble
	bad := func(p float64) bool { return trouble && g.Float64() < p }
	yes := func(normal, troubled float64) iltod.Value {
		p := normal
		if trouble {
			p = troubled
		}
		return iltod.BoolValue(g.Float64() < p)
	}
	opened := a.obs.Opened
	if opened.IsZero() {
		opened = a.at(7, 0)
	}
	switch a.sheet.Form.Code + "/" + it.Tag {
	// Opening checklist.
	case "opening/AT": // arrival
		return clock(a.notAfter(a.at(6, 10+g.IntN(45)))), true
	case "opening/BT": // voting began
		return clock(a.notAfter(opened)), true
	case "opening/CM": // commission members present
		if bad(0.3) {
			return iltod.IntValue(int64(2 + g.IntN(3))), true
		}
		return iltod.IntValue(int64(6 + g.IntN(6))), true
	case "opening/BX", "opening/MX", "opening/PE", "opening/MT":
		return yes(0.995, 0.75), true
	case "opening/EX": // could observe freely
		return yes(0.99, 0.6), true
	case "opening/PA": // party agents
		return iltod.IntValue(int64(g.IntN(7))), true
	case "opening/AC": // access for voters with disabilities
		switch x := g.Float64(); {
		case x < 0.65:
			return iltod.StrValue("1"), true
		case x < 0.93:
			return iltod.StrValue("2"), true
		}
		return iltod.StrValue("3"), true
	case "opening/PC": // police inside the station
		return yes(0.15, 0.5), true

	// Closing checklist.
	case "closing/CT": // voting closed
		if g.Float64() < 0.1 {
			return clock(a.notAfter(a.at(22, 1+g.IntN(20)))), true
		}
		return clock(a.notAfter(a.at(22, 0))), true
	case "closing/KA": // voters queuing at closing allowed to vote
		if g.Float64() < 0.7 {
			return iltod.Value{}, true // no queue: not applicable
		}
		return yes(0.97, 0.6), true
	case "closing/MB": // ballots from the mobile box
		if urbanity(a.sheet.Station.Stratum) < 0 {
			return iltod.IntValue(int64(5 + g.IntN(60))), true
		}
		return iltod.IntValue(int64(g.IntN(15))), true
	case "closing/MP": // machine result printed before the hand count
		return iltod.BoolValue(!a.obs.NoMachine), true
	case "closing/HC", "closing/XK", "closing/PH":
		return yes(0.99, 0.7), true
	case "closing/CP": // copy of the protocol received
		return yes(0.97, 0.55), true
	case "closing/TX": // count disrupted
		return iltod.BoolValue(bad(0.4)), true
	case "closing/EK": // count ended
		end := a.obs.CountEnd
		if end.IsZero() {
			end = a.obs.At.Add(-time.Duration(2+g.IntN(6)) * time.Minute)
		}
		return clock(a.notAfter(end)), true
	case "closing/AX": // overall assessment
		switch {
		case trouble && g.Float64() < 0.4:
			return iltod.StrValue("3"), true
		case trouble || g.Float64() < 0.06:
			return iltod.StrValue("2"), true
		}
		return iltod.StrValue("1"), true

	// Incident report.
	case "incident/CT": // category
		return iltod.StrValue(pickWeighted(g, incidentCategories)), true
	case "incident/XT": // severity
		return iltod.StrValue(pickWeighted(g, []weighted{{"1", 35}, {"2", 40}, {"3", 20}, {"4", 5}})), true
	case "incident/TM": // when
		t := a.obs.At.Add(-time.Duration(5+g.IntN(50)) * time.Minute)
		if t.Before(opened) {
			t = a.notAfter(opened)
		}
		return clock(t), true
	case "incident/TB": // voting interrupted
		return iltod.BoolValue(g.Float64() < 0.15), true
	case "incident/PT": // police told
		return iltod.BoolValue(g.Float64() < 0.3), true
	case "incident/EM": // photo or video
		return iltod.BoolValue(g.Float64() < 0.4), true
	case "incident/DS": // description
		cat := ""
		if v, ok := a.out["CT"]; ok && v.Kind == iltod.Str {
			cat = v.Str
		}
		return iltod.StrValue(a.text(cat)), true
	}
	return iltod.Value{}, false
}

type weighted struct {
	code   string
	weight int
}

// incidentCategories weighs the demonstration incident form's categories.
var incidentCategories = []weighted{
	{"1", 10}, {"2", 12}, {"3", 4}, {"4", 14}, {"5", 5}, {"6", 28}, {"7", 18}, {"8", 2}, {"9", 7},
}

func pickWeighted(g *rand.Rand, ws []weighted) string {
	total := 0
	for _, w := range ws {
		total += w.weight
	}
	x := g.IntN(total)
	for _, w := range ws {
		if x < w.weight {
			return w.code
		}
		x -= w.weight
	}
	return ws[len(ws)-1].code
}

// descriptions are short incident descriptions in Mongolian and English, by the
// demonstration incident form's category code ("" for any other form).
var descriptions = map[string][2][]string{
	"1": {{"Нэр дэвшигчийн төлөөлөгч сонгогчдыг хаалганы гадаа айлган сүрдүүлж байв.", "Хорооны гишүүн ажиглагчийг дуугүй бай гэж сүрдүүлэв."},
		{"A candidate's agent was intimidating voters outside the door.", "A commission member threatened the observer to keep quiet."}},
	"2": {{"Байрны ойролцоо сонгогчдод мөнгө тараасан гэж хэд хэдэн сонгогч мэдэгдэв.", "Машинаас хүнсний багц тарааж, тодорхой намд санал өгөхийг хүсэв."},
		{"Several voters said money was handed out near the building.", "Food parcels were given out from a car with requests to vote for one party."}},
	"3": {{"Нэг сонгогч хайрцагт хэд хэдэн хуудас хийхийг харсан.", "Хайрцагны лац гэмтсэн байв."},
		{"A voter was seen putting several papers into the box.", "The seal of the ballot box was broken."}},
	"4": {{"Ажиглагчийг тооллогын ширээнээс холдуулсан.", "Ажиглагчийг 30 минут байранд оруулаагүй."},
		{"The observer was kept away from the counting table.", "The observer was not let into the station for 30 minutes."}},
	"5": {{"Сэтгүүлчийг зураг авахыг хориглож, байрнаас гаргасан.", "Телевизийн багийг хэсгийн хороонд оруулаагүй."},
		{"A journalist was stopped from taking photos and sent out.", "A television crew was not allowed into the station."}},
	"6": {{"Сонгогчийн үнэмлэхийг шалгалгүй саналын хуудас олгосон.", "Санал авах бүхээгийг хаалтгүй байрлуулсан."},
		{"Ballots were issued without checking voters' identity cards.", "The voting booth was placed without a screen."}},
	"7": {{"Бүртгэлтэй гэж хэлсэн хэд хэдэн сонгогчийг жагсаалтад байхгүй гэж буцаасан.", "Шилжин ирсэн сонгогчдыг нэрийн жагсаалтад олоогүй."},
		{"Several voters who said they were registered were turned away.", "Voters who had moved here were not found on the register."}},
	"8": {{"Байрны гадаа хоёр хүн зодолдов; цагдаа ирсэн.", "Ажиглагчийг түлхэж унагасан."},
		{"Two men fought outside the station; the police came.", "The observer was pushed to the ground."}},
	"9": {{"Цахилгаан тасарч, санал авалт 20 минут зогсов.", "Санал тоолох машин гацаж, дахин асаав."},
		{"The power failed and voting stopped for 20 minutes.", "The counting machine jammed and was restarted."}},
	"": {{"Хэсгийн хороонд зөрчил гарсан тухай мэдээлэл.", "Ажиглагчийн тэмдэглэл."},
		{"Report of an irregularity at the station.", "Observer's note."}},
}

// text returns a short free text in the observation's language, about category if it
// is one the demonstration form knows.
func (a *answerer) text(category string) string {
	d, ok := descriptions[category]
	if !ok {
		d = descriptions[""]
	}
	lang := 0
	if strings.EqualFold(a.obs.Lang, "en") {
		lang = 1
	}
	l := d[lang]
	return l[a.g.IntN(len(l))]
}
