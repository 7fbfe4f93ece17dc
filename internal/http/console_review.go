package http

import (
	"context"
	"encoding/json"
	"fmt"
	xmaps "maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/qa"
	"github.com/iltod/iltod/locales"
)

// conQueuePerPage bounds the review items on one page.
const conQueuePerPage = 50

// conReviewItem is one thing waiting for review.
type conReviewItem struct {
	// ID names the item's elements in the page.
	ID                                   string
	Kind                                 string
	Station, StationName, Area, AreaName string
	Form, FormName                       string
	// Report and Checks are a flagged report's.
	Report string
	Checks []iltod.CheckResult
	// Fields are a conflicting record's fields in conflict.
	Fields []conConflictField
	// Entries are a conflicting record's observer entries, with their channels.
	Entries []conRecordEntry
}

// conRecordEntry is one observer's entry in a station record: the report that counts, and the
// channels by which the observer reported, in the reader's words.
type conRecordEntry struct {
	Report, Channels string
}

// conConflictField is a field of a station record on which observers disagree.
type conConflictField struct {
	Tag, Label string
	Variants   []conVariant
	// Hint says how to type a value of the question's type.
	Hint string
}

// conVariant is one value reported for a field: JSON is what the form sends back.
type conVariant struct {
	JSON, Shown string
	Reports     int
}

type conReviewData struct {
	Items                     []conReviewItem
	Kind                      string
	Total, Flagged, Conflicts int
	First, Last               int
	PrevHref, NextHref        string
	Actions                   []string
	// Form holds the values of a form sent back with a problem.
	Form map[string]string
}

// conReview shows the review queue (see app.ReviewQueue): flagged reports with their
// failed checks and a form to verify, reject or quarantine each; conflicting station
// records with the variants reported and a form to resolve each field. ?kind=flagged or
// ?kind=conflict narrows it; ?page= pages through it.
func (s *Server) conReview(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	s.conReviewPage(w, r, sess, e, http.StatusOK, "")
}

// conReviewPage renders the review page with status and an error message, if any.
func (s *Server) conReviewPage(w http.ResponseWriter, r *http.Request, sess app.Session, e *iltod.Election, status int, errMsg string) {
	ctx := r.Context()
	queue, err := s.app.ReviewQueue(ctx, e.ID)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	snap, err := s.snapshot(r, e.ID)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	look, err := s.conLookup(ctx, e)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	p := conPage(r, sess, e, "console.review_title")
	p.FlashError = errMsg
	q := r.URL.Query()
	d := &conReviewData{Kind: q.Get("kind"), Actions: []string{string(app.Verify), string(app.Reject), string(app.Quarantine)}}
	if r.Method == http.MethodPost {
		d.Form = map[string]string{}
		for _, k := range []string{"report", "action", "reason", "station", "form", "tag", "choice", "value"} {
			d.Form[k] = r.PostFormValue(k)
		}
	}
	if d.Kind != "flagged" && d.Kind != "conflict" {
		d.Kind = ""
	}
	var items []app.QueueItem
	for _, it := range queue {
		if it.Kind == "flagged" {
			d.Flagged++
		} else {
			d.Conflicts++
		}
		if d.Kind == "" || it.Kind == d.Kind {
			items = append(items, it)
		}
	}
	d.Total = len(items)
	pg, _ := strconv.Atoi(q.Get("page"))
	pages := (len(items) + conQueuePerPage - 1) / conQueuePerPage
	pg = max(1, min(pg, pages))
	lo, hi := (pg-1)*conQueuePerPage, min(pg*conQueuePerPage, len(items))
	if pg > 1 {
		d.PrevHref = p.ConURL(r.URL.Path, "kind", d.Kind, "page", strconv.Itoa(pg-1))
	}
	if pg < pages {
		d.NextHref = p.ConURL(r.URL.Path, "kind", d.Kind, "page", strconv.Itoa(pg+1))
	}
	if lo < hi {
		d.First, d.Last = lo+1, hi
		for i, it := range items[lo:hi] {
			ri := conReviewItem{ID: fmt.Sprintf("item-%d", lo+i+1), Kind: it.Kind, Station: it.Station, Area: it.Area,
				Form: it.Form, FormName: look.formName(p.Lang, it.Form), Report: it.Report, Checks: checksIn(it.Checks, p.Lang)}
			if st, err := s.app.Station(ctx, e.ID, it.Station); err == nil {
				ri.StationName = st.Name.In(p.Lang, e.Languages...)
			}
			if j, ok := snap.pos[it.Area]; ok {
				ri.AreaName = snap.areas[j].Name.In(p.Lang, e.Languages...)
			}
			if it.Kind == "conflict" {
				sheet, err := s.app.StationSheet(ctx, e.ID, it.Station, it.Form)
				if err != nil {
					s.conError(w, r, sess, e, err)
					return
				}
				for _, en := range it.Entries {
					var names []string
					for _, ch := range en.Channels {
						names = append(names, tr(p.Lang, "console.channels."+string(ch)))
					}
					ri.Entries = append(ri.Entries, conRecordEntry{Report: en.Report, Channels: strings.Join(names, ", ")})
				}
				for _, tag := range slices.Sorted(xmaps.Keys(it.Conflicts)) {
					f := it.Conflicts[tag]
					cf := conConflictField{Tag: tag, Label: tag}
					item, known := sheet.Item(tag)
					var qn *iltod.Question
					if known {
						qn = item.Question
						cf.Label = look.itemLabel(p.Lang, item)
						cf.Hint = tr(p.Lang, "console.hint_"+string(qn.Type))
					}
					for _, v := range f.Variants {
						cf.Variants = append(cf.Variants, conVariant{JSON: v.Value.String(), Shown: conShowValue(p.Lang, qn, v.Value), Reports: len(v.Reports)})
					}
					ri.Fields = append(ri.Fields, cf)
				}
			}
			d.Items = append(d.Items, ri)
		}
	}
	p.Data = d
	s.conRender(w, r, status, "con_review", p)
}

// conDecide records a reviewer's decision on a flagged report (app.Review: logged, with
// the reason) and goes back to the queue.
func (s *Server) conDecide(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	report := r.PostFormValue("report")
	action := app.ReviewAction(r.PostFormValue("action"))
	err := s.app.Review(r.Context(), e.ID, report, action, r.PostFormValue("reason"))
	if err != nil {
		s.conFail(w, r, sess, e, err, func(status int, msg string) { s.conReviewPage(w, r, sess, e, status, msg) })
		return
	}
	conRedirect(w, r, "/staff/e/"+e.ID+"/review", "decided", report+":"+string(action), "kind", reviewKind(r))
}

// conResolve settles a conflicting field of a station record with one of the variants or
// a typed value (app.Resolve: logged, with the reason) and goes back to the queue.
func (s *Server) conResolve(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	ctx := r.Context()
	station, form, tag := r.PostFormValue("station"), r.PostFormValue("form"), r.PostFormValue("tag")
	again := func(status int, msg string) { s.conReviewPage(w, r, sess, e, status, msg) }
	var v iltod.Value
	switch choice := r.PostFormValue("choice"); choice {
	case "", "other":
		sheet, err := s.app.StationSheet(ctx, e.ID, station, form)
		if err != nil {
			s.conFail(w, r, sess, e, err, again)
			return
		}
		it, ok := sheet.Item(tag)
		if !ok {
			s.conFail(w, r, sess, e, iltod.E(iltod.EInvalid, "error.not_a_question", locales.Args{"Tag": tag, "Form": form, "Station": station}), again)
			return
		}
		if v, err = conParseValue(it.Question, r.PostFormValue("value")); err != nil {
			s.conFail(w, r, sess, e, err, again)
			return
		}
	default:
		if err := json.Unmarshal([]byte(choice), &v); err != nil {
			s.conFail(w, r, sess, e, iltod.E(iltod.EInvalid, "error.value_unreadable", nil), again)
			return
		}
	}
	if err := s.app.Resolve(ctx, e.ID, station, form, tag, v, r.PostFormValue("reason")); err != nil {
		s.conFail(w, r, sess, e, err, again)
		return
	}
	conRedirect(w, r, "/staff/e/"+e.ID+"/review", "resolved", station+"/"+form+"/"+tag, "kind", reviewKind(r))
}

// conParseValue reads a value typed for question q: a whole number, yes or no, an
// option's code, codes separated by commas, a time, or text; "n/a" where the question
// allows "not applicable". The app checks the value against the question.
func conParseValue(q *iltod.Question, text string) (iltod.Value, error) {
	t := strings.TrimSpace(text)
	if t == "" {
		return iltod.Value{}, iltod.E(iltod.EInvalid, "error.value_missing", nil)
	}
	switch strings.ToLower(t) {
	case "n/a", "na", "-":
		return iltod.Value{}, nil // not applicable; the app refuses it where not allowed
	}
	switch q.Type {
	case iltod.Integer:
		n, err := strconv.ParseInt(strings.NewReplacer(",", "", " ", "", "\u00a0", "").Replace(t), 10, 64)
		if err != nil {
			return iltod.Value{}, iltod.E(iltod.EInvalid, "error.not_whole_number", locales.Args{"Value": strconv.Quote(t)})
		}
		return iltod.IntValue(n), nil
	case iltod.YesNo:
		switch w := strings.ToLower(t); {
		case w == "true" || w == "1" || slices.Contains(typedWords("console.typed_yes"), w):
			return iltod.BoolValue(true), nil
		case w == "false" || w == "0" || slices.Contains(typedWords("console.typed_no"), w):
			return iltod.BoolValue(false), nil
		}
		return iltod.Value{}, iltod.E(iltod.EInvalid, "error.not_yes_no", locales.Args{"Value": strconv.Quote(t)})
	case iltod.SelectMultiple:
		return iltod.ListValue(conList(t)), nil
	}
	return iltod.StrValue(t), nil
}

// typedWords returns the words that the message key lists, comma-separated, in every
// language of the catalogue, in lower case: what a clerk may type for yes or for no in
// whichever language the paper form is in.
func typedWords(key string) []string {
	var out []string
	for _, list := range locales.Text(key) {
		for w := range strings.SplitSeq(list, ",") {
			if w = strings.ToLower(strings.TrimSpace(w)); w != "" {
				out = append(out, w)
			}
		}
	}
	return out
}

// conShowValue writes an answer for people: yes or no, an option's label, text as typed.
func conShowValue(lang string, q *iltod.Question, v iltod.Value) string {
	switch v.Kind {
	case iltod.NA:
		return tr(lang, "console.value_na")
	case iltod.Int:
		return formatCount(lang, v.Int)
	case iltod.Bool:
		if v.Bool {
			return tr(lang, "console.yes")
		}
		return tr(lang, "console.no")
	case iltod.Str:
		if q != nil && q.Type == iltod.SelectOne {
			return conOptionLabel(lang, q, v.Str)
		}
		return v.Str
	case iltod.List:
		var parts []string
		for _, c := range v.List {
			if q != nil {
				parts = append(parts, conOptionLabel(lang, q, c))
			} else {
				parts = append(parts, c)
			}
		}
		return strings.Join(parts, "; ")
	}
	return v.String()
}

func conOptionLabel(lang string, q *iltod.Question, code string) string {
	for _, o := range q.Options {
		if o.Code == code {
			return code + " — " + o.Label.In(lang)
		}
	}
	return code
}

// conLookups names forms and the choices of contests in a page's language.
type conLookups struct {
	forms    map[string]iltod.Form
	contests map[string]*iltod.Contest
	langs    []string
}

// conLookup reads the names the console shows: the latest version of each form, and the
// contests with their choices. Both are public.
func (s *Server) conLookup(ctx context.Context, e *iltod.Election) (*conLookups, error) {
	fs, err := s.app.Forms(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	cs, err := s.app.Contests(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	l := &conLookups{forms: map[string]iltod.Form{}, contests: map[string]*iltod.Contest{}, langs: e.Languages}
	for _, f := range fs {
		if old, ok := l.forms[f.Code]; !ok || f.Version > old.Version {
			l.forms[f.Code] = f
		}
	}
	for i := range cs {
		l.contests[cs[i].Code] = &cs[i]
	}
	return l, nil
}

func (l *conLookups) formName(lang, code string) string {
	if f, ok := l.forms[code]; ok {
		return f.Name.In(lang, l.langs...)
	}
	return code
}

// itemLabel is a question's label; for a question asked once per choice, followed by the
// choice's ballot number and name.
func (l *conLookups) itemLabel(lang string, it qa.Item) string {
	return qa.ItemLabel(it, l.contests[it.Contest], l.langs...).In(lang, l.langs...)
}

// reviewKind is the queue filter the form was sent from (?kind= of its action), kept
// across the redirect back so a reviewer stays in the queue they were working through.
func reviewKind(r *http.Request) string {
	switch k := r.URL.Query().Get("kind"); k {
	case "flagged", "conflict":
		return k
	}
	return ""
}
