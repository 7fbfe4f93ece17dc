// Package locales is iltod's message catalogue: every word the site, the API, the QA
// checks, the statistics and the command line show a person, in every language iltod
// speaks. The words live in one TOML file per language (en.toml, mn.toml), embedded in the
// binary; Go code and templates name a message by its key and never hold the sentence.
//
// Keys are namespaced by the area that shows them:
//
//	web.*      the layout of every page and the sign-in page
//	public.*   the public results site
//	console.*  the staff console
//	status.*   the plain status page
//	observe.*  the observer app at /observe/, which fills its placeholders itself offline
//	error.*    the messages of API errors (their codes stay stable; see iltod.Error)
//	qa.*       the quality checks' messages to observers and reviewers
//	stats.*    the notes of the statistics packages
//	cli.*      the command line's messages, errors and table headings
//	format.*   how numbers and dates are written
//
// A message is a Go text/template: placeholders are fields such as {{.Name}}, filled from
// the Args given to T. A message that depends on a count has CLDR plural forms ("one",
// "other" in both English and Mongolian) and is read with N.
//
// Lookups never show a blank: a key missing from a language falls back to English, then to
// the key itself. The catalogue test (go test ./locales/) makes that impossible in
// practice: it fails when a key is missing in a language, when languages disagree on a
// message's placeholders or plural forms, and when a message is empty.
//
// The package is safe for concurrent use. It imports nothing of iltod, so that every
// package, the root domain package included, may use it.
package locales

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Languages are the catalogue's languages as lower-case ISO 639-1 codes, in the order a
// language switch lists them. The first, Mongolian, is the default (see Match).
var Languages = []string{"mn", "en"}

// Default is the language Match chooses for a tag the catalogue does not speak.
const Default = "mn"

// Fallback is the language a message missing from another language is shown in. Every
// message is written in English first, so English is the most complete.
const Fallback = "en"

//go:embed *.toml
var files embed.FS

// Args fills a message's placeholders: the key is the field name without its dot, so
// {{.Name}} reads Args{"Name": …}. Values are printed as text/template prints them;
// format numbers first (Printer.Int, Printer.Percent) so that they follow the language.
type Args = map[string]any

// Key is a message key given as a placeholder's value: T writes the message it names in
// the Printer's language, so that data meant for every language (an error's Data, a
// statistic's note) can hold words too, e.g. Args{"Role": Key("console.role_clerk")}.
// The named message gets no data of its own.
type Key string

// catalogue holds the parsed messages: bundle for lookups, and messages by language and
// key for Has, Keys and the catalogue test.
var catalogue = load()

type loaded struct {
	bundle   *i18n.Bundle
	messages map[string]map[string]*i18n.Message // language → key → message
	printers map[string]*Printer
}

// load parses the embedded files. A file that does not parse stops the program at
// start-up (and the catalogue test), never a page.
func load() *loaded {
	c := &loaded{
		bundle:   i18n.NewBundle(language.Make(Fallback)),
		messages: map[string]map[string]*i18n.Message{},
		printers: map[string]*Printer{},
	}
	c.bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for _, lang := range Languages {
		name := lang + ".toml"
		buf, err := fs.ReadFile(files, name)
		if err != nil {
			panic(fmt.Sprintf("locales: %v", err))
		}
		mf, err := c.bundle.ParseMessageFileBytes(buf, name)
		if err != nil {
			panic(fmt.Sprintf("locales: %s: %v", name, err))
		}
		byKey := make(map[string]*i18n.Message, len(mf.Messages))
		for _, m := range mf.Messages {
			byKey[m.ID] = m
		}
		c.messages[lang] = byKey
	}
	for _, lang := range Languages {
		c.printers[lang] = newPrinter(c, lang)
	}
	return c
}

// Has reports whether key names a message of the catalogue (in the Fallback language, which
// the catalogue test holds every other language to). Code that builds a key from data,
// such as "public.level_"+level, uses it to choose between the message and the raw value.
func Has(key string) bool {
	_, ok := catalogue.messages[Fallback][key]
	return ok
}

// Keys returns the keys of lang's messages in sorted order, or nil for a language the
// catalogue does not have.
func Keys(lang string) []string {
	m := catalogue.messages[lang]
	if m == nil {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Match returns the catalogue language for a language tag as people and systems write it:
// "mn", "mn-MN", "MN", "en_US.UTF-8", "en-GB". Only the primary subtag counts. A tag the
// catalogue does not speak, or none ("", "C", "POSIX"), gives Default.
func Match(tag string) string {
	if l, ok := primary(tag); ok {
		return l
	}
	return Default
}

// FromEnv returns the catalogue language of a process's environment, read with getenv
// (os.Getenv): the first of LC_ALL, LC_MESSAGES and LANG that is set and not empty, as
// POSIX orders them, matched with Match. With none set, or a locale the catalogue does
// not speak ("C", "fr_FR.UTF-8"), it gives Default.
func FromEnv(getenv func(string) string) string {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(name); v != "" {
			return Match(v)
		}
	}
	return Default
}

// primary returns the catalogue language whose code is tag's primary subtag.
func primary(tag string) (string, bool) {
	tag = strings.TrimSpace(tag)
	if i := strings.IndexAny(tag, "-_.@"); i >= 0 {
		tag = tag[:i]
	}
	tag = strings.ToLower(tag)
	if slices.Contains(Languages, tag) {
		return tag, true
	}
	return "", false
}

// Negotiate returns the catalogue language an HTTP Accept-Language header ranks highest,
// or fallback when it ranks none of them above zero (the header is absent, malformed, or
// names other languages only). Only primary subtags are compared, so "en-GB" asks for
// "en"; among equal weights the first listed wins. The caller chooses fallback: a page
// might use its election's language, the API English.
func Negotiate(acceptLanguage, fallback string) string {
	best, bestQ := "", 0.0
	for part := range strings.SplitSeq(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		lang, ok := primary(tag)
		if !ok || strings.ContainsAny(tag, "_.@") {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		if q > bestQ {
			best, bestQ = lang, q
		}
	}
	if best == "" {
		return fallback
	}
	return best
}

// Source returns the text of lang's message key as the catalogue holds it, placeholders
// ({{.Name}}) unfilled, and whether the key exists in lang. For a message with plural
// forms it is the "other" form. It is for clients that fill messages themselves, such as
// the observer app, which takes its words from the catalogue and works offline.
func Source(lang, key string) (string, bool) {
	m, ok := catalogue.messages[lang][key]
	if !ok {
		return "", false
	}
	return m.Other, true
}

// Plural reports whether lang's message key has plural forms besides "other".
func Plural(lang, key string) bool {
	m, ok := catalogue.messages[lang][key]
	return ok && (m.One != "" || m.Few != "" || m.Many != "" || m.Two != "" || m.Zero != "")
}
