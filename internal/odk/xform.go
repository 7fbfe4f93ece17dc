// Package odk speaks OpenRosa, the protocol of ODK Collect, Enketo and Tella: it writes
// an election's forms as XForms, reads submitted instances back into answers, writes the
// OpenRosa XML documents (formList, manifest, submission response) and checks HTTP
// Digest authentication. It knows nothing of HTTP routing or storage:
// internal/http/odk.go wires it to the app.
//
// # The XForm of a form, for one observer
//
// A form applies differently at different stations: a question bound to a tier resolves
// to the station's own contest, and a choice "*" question expands into one question per
// candidate of that contest (qa.Expand). An XForm is static, so iltod writes one XForm
// per form version and observer, covering the observer's stations: the first question
// selects the station, from the observer's stations only; every concrete question of
// the stations' sheets follows in form order. A question that exists at some of the
// stations only is relevant only when one of them is selected. Where one tag means
// different things at different stations (K3 is the third candidate of each
// constituency), each meaning gets its own field, named the tag, then "_2", "_3" …
// (tags are upper case, so the suffix cannot clash), each relevant for its stations
// only; a submission's field K3_2 answers tag K3. The XForm's hash, in formList, changes
// when the observer's stations change, and ODK Collect then offers the update.
package odk

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/qa"
	"github.com/iltod/iltod/locales"
)

// StationSheet is a station the observer reports for, with the form as it applies there.
type StationSheet struct {
	Station iltod.Station
	Sheet   *qa.Sheet
}

// Input is what an XForm is written from.
type Input struct {
	Form *iltod.Form
	// Languages are the election's languages, the first the default; the XForm's itext
	// has a translation for each (mn and en in Mongolia).
	Languages []string
	// Stations are the observer's stations, in the order the select lists them; at least
	// one.
	Stations []StationSheet
	// Contests are the election's contests by code, for the names of expanded choices.
	Contests map[string]*iltod.Contest
}

// Field is one field of an XForm's instance: a concrete question at some of the stations.
type Field struct {
	// Name is the instance element's name: the tag, or the tag and "_N" for the N-th
	// meaning of a tag.
	Name     string
	Tag      string
	Item     qa.Item
	Label    iltod.Text
	Stations []string // where it applies; nil when everywhere
}

// MaxStations bounds the stations one XForm lists, so that a supervisor of a whole
// province does not get a form a phone cannot hold.
const MaxStations = 200

// fieldKey tells two items apart that share a tag but mean different things.
func fieldKey(it qa.Item, label iltod.Text) string {
	var b strings.Builder
	b.WriteString(it.Tag)
	for _, l := range label.Languages() {
		b.WriteString("\x00" + l + "\x00" + label[l])
	}
	return b.String()
}

// Fields returns the instance fields of the XForm in, in form order.
func Fields(in Input) ([]Field, error) {
	if in.Form == nil || len(in.Stations) == 0 {
		return nil, fmt.Errorf("xform: no form or no station")
	}
	if len(in.Stations) > MaxStations {
		return nil, fmt.Errorf("xform: %d stations, more than %d", len(in.Stations), MaxStations)
	}
	var fields []Field
	byKey := map[string]int{}
	names := map[string]int{} // tag → meanings so far
	for _, ss := range in.Stations {
		for _, it := range ss.Sheet.Questions {
			var c *iltod.Contest
			if it.Contest != "" {
				c = in.Contests[it.Contest]
			}
			label := qa.ItemLabel(it, c, in.Languages...)
			k := fieldKey(it, label)
			if i, ok := byKey[k]; ok {
				fields[i].Stations = append(fields[i].Stations, ss.Station.Code)
				continue
			}
			names[it.Tag]++
			name := it.Tag
			if n := names[it.Tag]; n > 1 {
				name += "_" + strconv.Itoa(n)
			}
			byKey[k] = len(fields)
			fields = append(fields, Field{Name: name, Tag: it.Tag, Item: it, Label: label, Stations: []string{ss.Station.Code}})
		}
	}
	// Keep form order: the first station's order, then the others' new items where the
	// form puts them (by question position in the form).
	pos := map[*iltod.Question]int{}
	for i := range in.Form.Questions {
		pos[&in.Form.Questions[i]] = i
	}
	slices.SortStableFunc(fields, func(a, b Field) int { return pos[a.Item.Question] - pos[b.Item.Question] })
	for i := range fields {
		if len(fields[i].Stations) == len(in.Stations) {
			fields[i].Stations = nil
		}
	}
	return fields, nil
}

// TagOf returns the tag a field name answers: the name without its "_N" suffix.
func TagOf(name string) string {
	if i := strings.IndexByte(name, '_'); i > 0 {
		return name[:i]
	}
	return name
}

// XForm writes the XForm of in (ODK XForms 1.0): the form's name as title, itext in each
// language, the station select, one control per field with its type, required flag,
// range constraint and the phone checks (qa.Sheet.PhoneChecks) that fall on it, and
// meta/instanceID preloaded with a UUID. Its instance root is <data id="CODE"
// version="N">.
func XForm(in Input) ([]byte, error) {
	fields, err := Fields(in)
	if err != nil {
		return nil, err
	}
	langs := in.Languages
	if len(langs) == 0 {
		langs = []string{locales.Fallback}
	}
	f := in.Form
	checks := checksOn(in, fields)
	w := &xw{}
	w.head(f.Name.In(langs[0], langs...), langs, func(lang string, p *locales.Printer, text func(id, v string)) {
		text("station:label", p.T("observe.odk.station"))
		text("required", p.T("observe.odk.required"))
		for _, ss := range in.Stations {
			text("station:"+ss.Station.Code, ss.Station.Code+" "+ss.Station.Name.In(lang, langs...))
		}
		for _, fd := range fields {
			text(fd.Name+":label", fd.Label.In(lang, langs...))
			q := fd.Item.Question
			for _, o := range q.Options {
				text(fd.Name+":"+o.Code, o.Label.In(lang, langs...))
			}
			if q.Type == iltod.YesNo {
				text(fd.Name+":yes", p.T("observe.odk.yes"))
				text(fd.Name+":no", p.T("observe.odk.no"))
			}
			if msg := constraintMsg(p, fd, checks[fd.Name]); msg != "" {
				text(fd.Name+":constraint", msg)
			}
		}
	})
	w.s("<instance>\n<data id=\"")
	w.e(f.Code)
	w.s(`" version="` + strconv.Itoa(f.Version) + "\">\n<station/>\n")
	for _, fd := range fields {
		w.s("<" + fd.Name + "/>\n")
	}
	w.s("<meta><instanceID/></meta>\n</data>\n</instance>\n")
	w.s(`<bind nodeset="/data/station" type="string" required="true()" jr:requiredMsg="jr:itext('required')"/>` + "\n")
	for _, fd := range fields {
		q := fd.Item.Question
		w.s(`<bind nodeset="/data/` + fd.Name + `" type="` + bindType(q.Type) + `"`)
		if q.Required {
			w.s(` required="true()" jr:requiredMsg="jr:itext('required')"`)
		}
		if rel := relevance(fd.Stations); rel != "" {
			w.s(` relevant="`)
			w.e(rel)
			w.s(`"`)
		}
		var cons []string
		if q.Type == iltod.Integer {
			if q.Min != nil {
				cons = append(cons, ". >= "+strconv.FormatInt(*q.Min, 10))
			}
			if q.Max != nil {
				cons = append(cons, ". <= "+strconv.FormatInt(*q.Max, 10))
			}
		}
		for _, c := range checks[fd.Name] {
			cons = append(cons, c.expr)
		}
		if len(cons) > 0 {
			w.s(` constraint="`)
			w.e("(" + strings.Join(cons, ") and (") + ")")
			w.s(`" jr:constraintMsg="jr:itext('` + fd.Name + `:constraint')"`)
		}
		w.s("/>\n")
	}
	w.s(`<bind nodeset="/data/meta/instanceID" type="string" readonly="true()" jr:preload="uid"/>` + "\n")
	w.s("</model>\n</h:head>\n<h:body>\n")
	w.s(`<select1 ref="/data/station"><label ref="jr:itext('station:label')"/>` + "\n")
	for _, ss := range in.Stations {
		w.s(`<item><label ref="jr:itext('station:`)
		w.e(ss.Station.Code)
		w.s(`')"/><value>`)
		w.e(ss.Station.Code)
		w.s("</value></item>\n")
	}
	w.s("</select1>\n")
	for _, fd := range fields {
		q := fd.Item.Question
		label := `<label ref="jr:itext('` + fd.Name + `:label')"/>`
		ref := `ref="/data/` + fd.Name + `"`
		switch q.Type {
		case iltod.SelectOne, iltod.SelectMultiple, iltod.YesNo:
			tag := "select1"
			if q.Type == iltod.SelectMultiple {
				tag = "select"
			}
			w.s("<" + tag + " " + ref + ">" + label + "\n")
			opts := q.Options
			if q.Type == iltod.YesNo {
				opts = []iltod.Option{{Code: "yes"}, {Code: "no"}}
			}
			for _, o := range opts {
				w.s(`<item><label ref="jr:itext('` + fd.Name + ":" + o.Code + `')"/><value>` + o.Code + "</value></item>\n")
			}
			w.s("</" + tag + ">\n")
		case iltod.Photo:
			w.s(`<upload ` + ref + ` mediatype="image/*">` + label + "</upload>\n")
		default:
			w.s("<input " + ref + ">" + label + "</input>\n")
		}
	}
	w.s("</h:body>\n</h:html>\n")
	return w.b.Bytes(), nil
}

func bindType(t iltod.QuestionType) string {
	switch t {
	case iltod.Integer:
		return "int"
	case iltod.SelectOne, iltod.YesNo:
		return "select1"
	case iltod.SelectMultiple:
		return "select"
	case iltod.TimeOfDay:
		return "time"
	case iltod.Photo:
		return "binary"
	}
	return "string"
}

func relevance(stations []string) string {
	if stations == nil {
		return ""
	}
	parts := make([]string, len(stations))
	for i, s := range stations {
		parts[i] = "/data/station = '" + s + "'"
	}
	return strings.Join(parts, " or ")
}

// check is a phone check written as an XPath constraint on the field it is attached to.
type check struct {
	expr string
	text string // the check as a formula, for the message
}

// checksOn returns the phone checks of the stations' sheets, each attached to the field
// of its tags that comes last in the form (a constraint is checked when its field is
// answered, and at the end), written over the fields that answer its tags at the
// station. A check holds vacuously while one of its fields is empty, as a phone check
// says nothing until it can be evaluated; one that applies at some stations only holds
// vacuously at the others.
func checksOn(in Input, fields []Field) map[string][]check {
	order := map[string]int{}
	for i, fd := range fields {
		order[fd.Name] = i
	}
	byStation := func(tag, station string) (string, bool) {
		for _, fd := range fields {
			if fd.Tag == tag && (fd.Stations == nil || slices.Contains(fd.Stations, station)) {
				return fd.Name, true
			}
		}
		return "", false
	}
	type key struct{ field, expr string }
	where := map[key][]string{}
	var keys []key
	texts := map[key]string{}
	for _, ss := range in.Stations {
		for _, pc := range ss.Sheet.PhoneChecks() {
			var names []string
			name := func(tags []string) ([]string, bool) {
				out := make([]string, len(tags))
				for i, t := range tags {
					n, ok := byStation(t, ss.Station.Code)
					if !ok {
						return nil, false
					}
					out[i] = n
				}
				return out, true
			}
			left, ok1 := name(pc.Left)
			right, ok2 := name(pc.Right)
			if !ok1 || !ok2 {
				continue
			}
			names = append(append(names, left...), right...)
			if len(names) == 0 {
				continue
			}
			last := slices.MaxFunc(names, func(a, b string) int { return order[a] - order[b] })
			var empty []string
			for _, n := range names {
				empty = append(empty, "/data/"+n+" = ''")
			}
			sum := func(ns []string) string {
				if len(ns) == 0 {
					return "0"
				}
				parts := make([]string, len(ns))
				for i, n := range ns {
					parts[i] = "/data/" + n
				}
				return strings.Join(parts, " + ")
			}
			r := sum(right)
			if pc.RightFactor != 1 {
				r = strconv.FormatInt(pc.RightFactor, 10) + " * (" + r + ")"
			}
			if pc.Constant != 0 {
				r += " + " + strconv.FormatInt(pc.Constant, 10)
			}
			op := " <= "
			if pc.Op == qa.PhoneEq {
				op = " = "
			}
			expr := strings.Join(empty, " or ") + " or (" + sum(left) + op + r + ")"
			k := key{last, expr}
			if _, ok := where[k]; !ok {
				keys = append(keys, k)
				texts[k] = formula(pc)
			}
			where[k] = append(where[k], ss.Station.Code)
		}
	}
	out := map[string][]check{}
	for _, k := range keys {
		expr := k.expr
		if len(where[k]) < len(in.Stations) {
			expr = "not(" + relevance(where[k]) + ") or " + expr
		}
		out[k.field] = append(out[k.field], check{expr: expr, text: texts[k]})
	}
	return out
}

func formula(pc qa.PhoneCheck) string {
	s := pc.String()
	if i := strings.Index(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}

// constraintMsg is the message shown when a field's constraint fails: its range and
// the checks that fall on it.
func constraintMsg(p *locales.Printer, fd Field, checks []check) string {
	var parts []string
	q := fd.Item.Question
	if q.Type == iltod.Integer {
		switch {
		case q.Min != nil && q.Max != nil:
			parts = append(parts, p.T("observe.odk.range", locales.Args{"Min": *q.Min, "Max": *q.Max}))
		case q.Min != nil:
			parts = append(parts, p.T("observe.odk.min", locales.Args{"Min": *q.Min}))
		case q.Max != nil:
			parts = append(parts, p.T("observe.odk.max", locales.Args{"Max": *q.Max}))
		}
	}
	for _, c := range checks {
		parts = append(parts, p.T("observe.odk.check", locales.Args{"Check": c.text}))
	}
	return strings.Join(parts, " ")
}

// xw writes XML with escaping.
type xw struct{ b bytes.Buffer }

// head writes an XForm's start up to and including its itext: the XML declaration, the
// h:html and h:head elements, the title, and one translation per language of langs (the
// first the default), whose texts texts writes with text(id, value).
func (w *xw) head(title string, langs []string, texts func(lang string, p *locales.Printer, text func(id, v string))) {
	w.s(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	w.s(`<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" xmlns:odk="http://www.opendatakit.org/xforms">` + "\n")
	w.s("<h:head>\n<h:title>")
	w.e(title)
	w.s("</h:title>\n<model odk:xforms-version=\"1.0.0\">\n<itext>\n")
	text := func(id, v string) {
		w.s(`<text id="`)
		w.e(id)
		w.s(`"><value>`)
		w.e(v)
		w.s("</value></text>\n")
	}
	for i, lang := range langs {
		w.s(`<translation lang="`)
		w.e(lang)
		w.s(`"`)
		if i == 0 {
			w.s(` default="true()"`)
		}
		w.s(">\n")
		texts(lang, locales.For(lang), text)
		w.s("</translation>\n")
	}
	w.s("</itext>\n")
}

func (w *xw) s(s string) { w.b.WriteString(s) }
func (w *xw) e(s string) { xml.EscapeText(&w.b, []byte(s)) }
