package http

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	xmaps "maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/qa"
	"github.com/iltod/iltod/locales"
)

// conOption is one choice of a select, a radio group or a group of check boxes.
type conOption struct {
	Code, Label string
	Selected    bool
}

// conEnterChoose is the first step of a clerk's entry: which station and which form.
type conEnterChoose struct {
	Station, Form string
	Forms         []conOption
	Groups        []conAreaGroup
	Area          string
	Stations      []conOption
}

// conQuestion is one question of a clerk's entry form, with what was typed.
type conQuestion struct {
	Tag, Label string
	Type       string
	Required   bool
	// NA is set when the question allows "not applicable"; NAChecked when it was chosen.
	NA, NAChecked bool
	Min, Max      string
	Options       []conOption
	// Radios asks for the options as radio buttons rather than a list.
	Radios bool
	Value  string
	Error  string
}

// conEnterSheet is the second step: the form's questions as they apply at the station.
type conEnterSheet struct {
	StationCode, StationName string
	Form, FormName           string
	Version                  int
	ID                       string
	Questions                []conQuestion
	Observers                []conOption
	Mediums                  []conOption
	// Problems are those that name no question.
	Problems []string
	// Photos are the photos that the station's reports name, on any form, to read the
	// figures from; Pending those not received yet.
	Photos  []conPhoto
	Pending []string
}

// conPhoto is a photo of a station shown beside the clerk's entry form.
type conPhoto struct {
	Src, Alt, Caption, Title string
}

// conReceiptData is what a clerk sees once an entry is stored.
type conReceiptData struct {
	Receipt                  *app.Receipt
	StationCode, StationName string
	FormName                 string
	Failed                   []iltod.CheckResult
	AgainHref, OtherHref     string
}

// conEnter shows the clerk's entry: first a choice of station and form (?station=,
// ?form=; ?area= lists the stations of an area to choose from), then the form's
// questions as they apply at the station, the observer who gave the report (one of those
// who may report for the station) and how it came (phone or paper).
func (s *Server) conEnter(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	q := r.URL.Query()
	station, form := strings.TrimSpace(q.Get("station")), q.Get("form")
	if station != "" && form != "" {
		s.conEnterSheet(w, r, sess, e, station, form, nil, http.StatusOK)
		return
	}
	s.conEnterChoose(w, r, sess, e, station, form, "", http.StatusOK)
}

// conEnterChoose renders the first step, with a problem if there is one.
func (s *Server) conEnterChoose(w http.ResponseWriter, r *http.Request, sess app.Session, e *iltod.Election, station, form, problem string, status int) {
	if !sess.Actor.May(app.MayEnterReports) {
		s.conError(w, r, sess, e, iltod.E(iltod.EForbidden, "error.role_may_not_enter", locales.Args{"Role": locales.Key("console.role_" + string(sess.Actor.Role))}))
		return
	}
	ctx := r.Context()
	look, err := s.conLookup(ctx, e)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	snap, err := s.snapshot(r, e.ID)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	p := conPage(r, sess, e, "console.enter_title")
	p.FlashError = problem
	d := &conEnterChoose{Station: station, Form: form, Area: r.URL.Query().Get("area")}
	if form == "" && len(look.forms) > 0 {
		d.Form = slices.Sorted(xmaps.Keys(look.forms))[0]
	}
	for _, code := range slices.Sorted(xmaps.Keys(look.forms)) {
		d.Forms = append(d.Forms, conOption{Code: code, Label: look.formName(p.Lang, code), Selected: code == d.Form})
	}
	if _, known := snap.pos[d.Area]; !known {
		d.Area = ""
	}
	d.Groups = conAreaGroups(snap, p.Lang, sess.Actor, d.Area)
	if d.Area != "" {
		sts, err := s.app.Stations(ctx, e.ID, iltod.StationQuery{Area: d.Area, Limit: iltod.MaxStationLimit})
		if err != nil {
			s.conError(w, r, sess, e, err)
			return
		}
		for _, st := range sts {
			d.Stations = append(d.Stations, conOption{Code: st.Code, Label: st.Code + " — " + st.Name.In(p.Lang, e.Languages...), Selected: st.Code == station})
		}
	}
	p.Data = d
	s.conRender(w, r, status, "con_enter_choose", p)
}

// conEnterSheet renders the second step: sent holds what was sent, with its problems,
// when an entry is shown again, and is nil for a new entry.
func (s *Server) conEnterSheet(w http.ResponseWriter, r *http.Request, sess app.Session, e *iltod.Election, station, form string, sent *conEntry, status int) {
	ctx := r.Context()
	// Who may report for the station is the first thing asked: app refuses it to a role
	// that may not enter reports, and to a coordinator for a station outside their areas.
	observers, err := s.app.ReportingObservers(ctx, e.ID, station)
	if err != nil {
		if iltod.ErrorCodeOf(err) == iltod.ENotFound {
			s.conEnterChoose(w, r, sess, e, station, form, iltod.ErrorMessageIn(err, electionLang(r, e)), http.StatusNotFound)
			return
		}
		s.conError(w, r, sess, e, err)
		return
	}
	sheet, err := s.app.StationSheet(ctx, e.ID, station, form)
	if err != nil {
		if iltod.ErrorCodeOf(err) == iltod.ENotFound {
			s.conEnterChoose(w, r, sess, e, station, form, iltod.ErrorMessageIn(err, electionLang(r, e)), http.StatusNotFound)
			return
		}
		s.conError(w, r, sess, e, err)
		return
	}
	look, err := s.conLookup(ctx, e)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	photos, err := s.app.StationPhotos(ctx, e.ID, station)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	p := conPage(r, sess, e, "console.enter_title")
	d := &conEnterSheet{StationCode: sheet.Station.Code, StationName: sheet.Station.Name.In(p.Lang, e.Languages...),
		Form: sheet.Form.Code, FormName: look.formName(p.Lang, sheet.Form.Code), Version: sheet.Form.Version}
	if sent == nil {
		sent = &conEntry{values: map[string][]string{}, problems: map[string]string{}}
		b := make([]byte, 12)
		rand.Read(b)
		sent.id = "clerk-" + hex.EncodeToString(b)
		if len(observers) == 1 {
			sent.observer = observers[0].Code
		}
	}
	d.ID, d.Problems = sent.id, sent.general
	if len(sent.general) > 0 || len(sent.problems) > 0 {
		p.FlashError = tr(p.Lang, "console.enter_problems")
	}
	for _, o := range observers {
		d.Observers = append(d.Observers, conOption{Code: o.Code,
			Label: o.Code + " — " + o.Name + " (" + tr(p.Lang, "console.role_obs_"+string(o.Role)) + ")", Selected: o.Code == sent.observer})
	}
	for _, m := range []string{"phone", "paper"} {
		d.Mediums = append(d.Mediums, conOption{Code: m, Label: tr(p.Lang, "console.medium_"+m), Selected: m == sent.medium})
	}
	var held []string // the hashes of the photos received, each once, for photo questions
	for _, ph := range photos {
		args := locales.Args{"Form": look.formName(p.Lang, ph.Form), "Tag": ph.Tag, "Report": ph.Report,
			"Short": ph.Short(), "Station": sheet.Station.Code, "SHA256": ph.Hex}
		if !ph.Held {
			d.Pending = append(d.Pending, tr(p.Lang, "console.photo.pending", args))
			continue
		}
		d.Photos = append(d.Photos, conPhoto{Src: "/staff/e/" + e.ID + "/photos/" + ph.Hex,
			Alt: tr(p.Lang, "console.photo.alt", args), Caption: tr(p.Lang, "console.photo.caption", args),
			Title: tr(p.Lang, "public.photo.title", args)})
		if !slices.Contains(held, ph.Hex) {
			held = append(held, ph.Hex)
		}
	}
	for _, it := range sheet.Questions {
		cq := conQuestionOf(p.Lang, look, it, sent)
		if it.Question.Type == iltod.Photo {
			// A clerk attaches one of the photos received for the station.
			for _, h := range held {
				cq.Options = append(cq.Options, conOption{Code: h, Label: h[:12] + "…", Selected: cq.Value == h})
			}
		}
		d.Questions = append(d.Questions, cq)
	}
	p.Data = d
	s.conRender(w, r, status, "con_enter_sheet", p)
}

// conQuestionOf is the entry form's view of one question of the sheet.
func conQuestionOf(lang string, look *conLookups, it qa.Item, sent *conEntry) conQuestion {
	qn := it.Question
	cq := conQuestion{Tag: it.Tag, Label: look.itemLabel(lang, it), Type: string(qn.Type), Required: qn.Required,
		NA: qn.NotApplicable, Error: sent.problems[it.Tag]}
	if qn.Min != nil {
		cq.Min = strconv.FormatInt(*qn.Min, 10)
	}
	if qn.Max != nil {
		cq.Max = strconv.FormatInt(*qn.Max, 10)
	}
	vals := sent.values[it.Tag]
	if len(vals) > 0 {
		cq.Value = vals[0]
	}
	cq.NAChecked = sent.na[it.Tag]
	switch qn.Type {
	case iltod.YesNo:
		cq.Radios = true
		for _, c := range []string{"yes", "no"} {
			cq.Options = append(cq.Options, conOption{Code: c, Label: tr(lang, "console."+c), Selected: cq.Value == c})
		}
	case iltod.SelectOne, iltod.SelectMultiple:
		cq.Radios = len(qn.Options) <= 6 || qn.Type == iltod.SelectMultiple
		for _, o := range qn.Options {
			cq.Options = append(cq.Options, conOption{Code: o.Code, Label: o.Label.In(lang, look.langs...), Selected: slices.Contains(vals, o.Code)})
		}
	}
	return cq
}

// conEntry is a clerk's entry as sent: the raw values by tag, and the problems found.
type conEntry struct {
	id, observer, medium string
	values               map[string][]string
	na                   map[string]bool
	answers              map[string]iltod.Value
	// problems are by tag; general names no question.
	problems map[string]string
	general  []string
}

// conHHMMSS is a time a browser may send with seconds.
var conHHMMSS = regexp.MustCompile(`^[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?$`)

// readEntry reads the answers of a posted entry form against the sheet. A value that is
// not of the question's type is a problem of its question; what the answers mean is left
// to the app, which checks them as it checks a device's report.
func conReadEntry(r *http.Request, sheet *qa.Sheet) *conEntry {
	c := &conEntry{id: r.PostFormValue("id"), observer: r.PostFormValue("observer"), medium: r.PostFormValue("medium"),
		values: map[string][]string{}, na: map[string]bool{}, answers: map[string]iltod.Value{}, problems: map[string]string{}}
	for _, it := range sheet.Questions {
		tag := it.Tag
		vals := r.PostForm["q_"+tag]
		c.values[tag] = vals
		if r.PostFormValue("na_"+tag) == "1" {
			c.na[tag] = true
			c.answers[tag] = iltod.Value{}
			continue
		}
		v := ""
		if len(vals) > 0 {
			v = vals[0]
		}
		switch it.Question.Type {
		case iltod.Integer:
			t := strings.NewReplacer(" ", "", ",", "", "\u00a0", "").Replace(v)
			if t == "" {
				continue
			}
			n, err := strconv.ParseInt(t, 10, 64)
			if err != nil {
				c.problems[tag] = tr(pageLang(r, nil), "console.problem_not_number")
				continue
			}
			c.answers[tag] = iltod.IntValue(n)
		case iltod.YesNo:
			switch v {
			case "yes":
				c.answers[tag] = iltod.BoolValue(true)
			case "no":
				c.answers[tag] = iltod.BoolValue(false)
			}
		case iltod.SelectMultiple:
			var codes []string
			for _, x := range vals {
				if x != "" {
					codes = append(codes, x)
				}
			}
			if len(codes) > 0 {
				c.answers[tag] = iltod.ListValue(codes)
			}
		case iltod.TimeOfDay:
			if conHHMMSS.MatchString(v) {
				v = v[:5]
			}
			if v != "" {
				c.answers[tag] = iltod.StrValue(v)
			}
		case iltod.TextAnswer:
			v = strings.ReplaceAll(v, "\r\n", "\n")
			if strings.TrimSpace(v) != "" {
				c.answers[tag] = iltod.StrValue(v)
			}
		default:
			if v != "" {
				c.answers[tag] = iltod.StrValue(v)
			}
		}
	}
	return c
}

// conEnterSubmit stores a clerk's entry (app.ClerkSubmit: checked as a device's report,
// attested as entered by a clerk, logged) and shows its receipt and QA flags. An entry
// with problems is shown again with each problem at its question.
func (s *Server) conEnterSubmit(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	ctx := r.Context()
	station, form := r.PostFormValue("station"), r.PostFormValue("form")
	sheet, err := s.app.StationSheet(ctx, e.ID, station, form)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	c := conReadEntry(r, sheet)
	if len(c.problems) > 0 {
		s.conEnterSheet(w, r, sess, e, station, form, c, http.StatusBadRequest)
		return
	}
	res, err := s.app.ClerkSubmit(ctx, app.ClerkEntry{Election: e.ID, Station: station, Form: form,
		Observer: c.observer, Medium: c.medium, Answers: c.answers, ID: c.id})
	if err != nil {
		var ps iltod.Problems
		switch {
		case errors.As(err, &ps):
			lang := electionLang(r, e)
			for _, pr := range ps {
				if _, ok := sheet.Item(pr.Field); ok && c.problems[pr.Field] == "" {
					c.problems[pr.Field] = pr.MessageIn(lang)
				} else {
					c.general = append(c.general, pr.In(lang))
				}
			}
			s.conEnterSheet(w, r, sess, e, station, form, c, http.StatusBadRequest)
		case slices.Contains([]iltod.ErrorCode{iltod.EInvalid, iltod.ENotFound, iltod.ENotAssigned, iltod.EConflict}, iltod.ErrorCodeOf(err)):
			// The observer, the medium or the report id: a mistake in the form.
			_, status, msg := publicError(err, electionLang(r, e))
			s.logError(r, status, err)
			c.general = append(c.general, msg)
			s.conEnterSheet(w, r, sess, e, station, form, c, status)
		default:
			s.conError(w, r, sess, e, err)
		}
		return
	}
	look, err := s.conLookup(ctx, e)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	p := conPage(r, sess, e, "console.receipt_title")
	d := conReceiptData{Receipt: res.Receipt, StationCode: station, StationName: sheet.Station.Name.In(p.Lang, e.Languages...),
		FormName:  look.formName(p.Lang, form),
		AgainHref: p.ConURL("/staff/e/"+e.ID+"/enter", "station", station, "form", form),
		OtherHref: p.ConURL("/staff/e/"+e.ID+"/enter", "form", form)}
	for _, ch := range checksIn(res.Receipt.Checks, p.Lang) {
		if ch.Outcome == iltod.CheckFail {
			d.Failed = append(d.Failed, ch)
		}
	}
	p.Data = d
	s.render(w, r, "con_receipt", p)
}
