package locales

import (
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/nicksnyder/go-i18n/v2/i18n/template"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// A Printer writes messages, numbers and dates in one language. Get one with For; a
// Printer is safe for concurrent use and costs nothing to get again.
type Printer struct {
	lang     string
	loc      *i18n.Localizer
	fallback *i18n.Localizer // English, for a message missing from or failing in lang
	num      *message.Printer
	date     string // the Go time layout of format.date
	// group is the language's thousands separator, learnt from CLDR's data once, so that
	// Int, which pages call thousands of times, need not go through x/text; "" if the
	// language groups other than by threes, and Int then does.
	group string
	// simple holds the messages of lang that are simple templates (see simpleTemplate),
	// and fallbackSimple those of English.
	simple, fallbackSimple map[string]*simpleTemplate
	own                    map[string]*i18n.Message // lang's messages
	// counted caches N for a key and a small count with no data (countKey → string):
	// the catalogue never changes, and QA writes such messages ("2 seconds") for every
	// report, each a run of the template engine.
	counted sync.Map
}

// countKey is a key of Printer.counted.
type countKey struct {
	key   string
	count int
}

// maxCounted bounds the counts Printer.counted holds, and so its size.
const maxCounted = 4096

func newPrinter(c *loaded, lang string) *Printer {
	p := &Printer{
		lang:     lang,
		loc:      i18n.NewLocalizer(c.bundle, lang),
		fallback: i18n.NewLocalizer(c.bundle, Fallback),
		num:      message.NewPrinter(language.Make(lang)),

		simple:         c.simpleTemplates(lang),
		fallbackSimple: c.simpleTemplates(Fallback),
		own:            c.messages[lang],
	}
	p.date = p.T("format.date")
	if s := p.num.Sprint(number.Decimal(1234567)); len(s) > 7 && strings.HasPrefix(s, "1") && strings.HasSuffix(s, "567") {
		if g := s[1:strings.Index(s, "234")]; s == "1"+g+"234"+g+"567" {
			p.group = g
		}
	}
	return p
}

// For returns the Printer of lang, matched with Match: "mn-MN" gives Mongolian, and a
// language the catalogue does not speak gives Default.
func For(lang string) *Printer {
	if p := catalogue.printers[lang]; p != nil {
		return p
	}
	return catalogue.printers[Match(lang)]
}

// Lang returns the Printer's language, one of Languages.
func (p *Printer) Lang() string { return p.lang }

// parser executes messages. Unlike go-i18n's default it refuses a placeholder that data
// does not fill, so that a caller's mistake shows as the fallback (see T) rather than as
// "<no value>" inside a sentence.
var parser = &template.TextParser{Option: "missingkey=error"}

// T returns the message key filled with data (several Args are merged, later ones
// winning). It never returns "": a message missing from the Printer's language, or whose
// placeholders data does not fill, is shown in English; failing that, the key itself is
// returned, so that the gap is visible and searchable.
func (p *Printer) T(key string, data ...Args) string {
	return p.localize(key, nil, merge(data))
}

// N returns the message key in the CLDR plural form for count, filled with data. The
// placeholder {{.Count}} is count written with p.Int, unless data sets Count itself. Like
// T, it never returns "".
func (p *Printer) N(key string, count int, data ...Args) string {
	cache := count >= 0 && count < maxCounted
	for _, a := range data {
		cache = cache && len(a) == 0
	}
	if cache {
		if s, ok := p.counted.Load(countKey{key, count}); ok {
			return s.(string)
		}
		s := p.n(key, count, nil)
		p.counted.Store(countKey{key, count}, s)
		return s
	}
	return p.n(key, count, data)
}

func (p *Printer) n(key string, count int, data []Args) string {
	d := Args{}
	for _, a := range data {
		maps.Copy(d, a)
	}
	if _, ok := d["Count"]; !ok {
		d["Count"] = p.Int(int64(count))
	}
	return p.localize(key, count, d)
}

func (p *Printer) localize(key string, count any, data Args) string {
	data = p.resolveKeys(data)
	if count == nil {
		if s, ok := p.fast(key, data); ok {
			return s
		}
	}
	lc := &i18n.LocalizeConfig{MessageID: key, TemplateData: data, PluralCount: count, TemplateParser: parser}
	if s, err := p.loc.Localize(lc); err == nil && s != "" {
		return s
	}
	if s, err := p.fallback.Localize(lc); err == nil && s != "" {
		return s
	}
	return key
}

// Simple returns the parts of the message key when T, given data whose values are all
// strings, fills it by plain substitution: the message is lits[0], then for each i the
// value of names[i] followed by lits[i+1]. ok is false when the template engine decides
// (the message is not a simple template in p's language, or is missing from it and from
// English). T falls back to English or to the key when a name has no value or the filled
// message is empty; a caller that fills the parts itself MUST call T in those cases. The
// slices are the Printer's own and MUST NOT be modified.
func (p *Printer) Simple(key string) (lits, names []string, ok bool) {
	t := p.simpleTemplate(key)
	if t == nil {
		return nil, nil, false
	}
	return t.lits, t.names, true
}

// simpleTemplate returns the template of key that localize would fill, if it is a simple
// one: in p's language if it has the key, in English if only English has it; nil when
// the template engine must decide.
func (p *Printer) simpleTemplate(key string) *simpleTemplate {
	if t := p.simple[key]; t != nil {
		return t
	}
	if _, has := p.own[key]; has {
		return nil // not simple in p's language
	}
	return p.fallbackSimple[key]
}

// fast returns what localize returns for key and data without a plural count, when the
// message is a simple template that data fills: in p's language if it has the key, in
// English if only English has it. ok is false when the template engine must decide.
func (p *Printer) fast(key string, data Args) (s string, ok bool) {
	t := p.simpleTemplate(key)
	if t == nil {
		return "", false
	}
	s, ok = t.fill(data)
	return s, ok && s != "" // an empty message falls back, as localize says
}

// resolveKeys returns data with each Key value replaced by its message in p's language;
// data itself when it holds no Key.
func (p *Printer) resolveKeys(data Args) Args {
	var out Args
	for name, v := range data {
		k, ok := v.(Key)
		if !ok {
			continue
		}
		if out == nil {
			out = maps.Clone(data)
		}
		out[name] = p.T(string(k))
	}
	if out == nil {
		return data
	}
	return out
}

// merge returns the union of data, later maps winning; nil when there is nothing to merge.
func merge(data []Args) Args {
	switch len(data) {
	case 0:
		return nil
	case 1:
		return data[0]
	}
	out := Args{}
	for _, d := range data {
		maps.Copy(out, d)
	}
	return out
}

// Int writes n with its digits grouped as the language's CLDR data says: 1,234,567 in
// both English and Mongolian.
func (p *Printer) Int(n int64) string {
	if p.group == "" {
		return p.num.Sprint(number.Decimal(n))
	}
	s := strconv.FormatInt(n, 10)
	digits := strings.TrimPrefix(s, "-")
	if len(digits) <= 3 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(digits)/3*len(p.group))
	if len(digits) < len(s) {
		b.WriteByte('-')
	}
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(p.group)
		}
		b.WriteByte(digits[i])
	}
	return b.String()
}

// Number writes x with exactly decimals digits after the decimal separator (rounded half
// to even) and its digits grouped, as the language writes numbers: 1,234.50.
func (p *Printer) Number(x float64, decimals int) string {
	return p.num.Sprint(number.Decimal(x, number.Scale(decimals)))
}

// Percent writes the fraction x as a percentage with exactly decimals digits after the
// separator, as the language writes percentages: 0.41234 is 41.23% with two decimals.
func (p *Printer) Percent(x float64, decimals int) string {
	return p.num.Sprint(number.Percent(x, number.Scale(decimals)))
}

// Date writes t's calendar day (in t's location) as the language writes a date in running
// text, from the Go time layout of the message format.date: "28 June 2024" in English,
// "2024 оны 6-р сарын 28" in Mongolian.
func (p *Printer) Date(t time.Time) string {
	return t.Format(p.date)
}

// Text returns the message key filled with data in every language of the catalogue, keyed
// by language code, for data that carries its words in every language (iltod.Text is such
// a map). Each value follows T's rules.
func Text(key string, data ...Args) map[string]string {
	out := make(map[string]string, len(Languages))
	for _, lang := range Languages {
		out[lang] = For(lang).T(key, data...)
	}
	return out
}

// TextN is Text for a message with plural forms: each value follows N's rules.
func TextN(key string, count int, data ...Args) map[string]string {
	out := make(map[string]string, len(Languages))
	for _, lang := range Languages {
		out[lang] = For(lang).N(key, count, data...)
	}
	return out
}
