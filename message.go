package iltod

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/iltod/iltod/locales"
)

// Message is a sentence of the catalogue (package locales) kept as data rather than as
// text in one language, so that it can be stored once and written later in the language
// of whoever reads it (In). QA results and answer problems carry one: a report checked in
// the morning is shown to a reviewer in English and to a clerk in Mongolian.
//
// A Message is one of three things:
//
//   - a catalogue message: Key names it, and Args fill its placeholders ({{.Name}} is
//     filled from Args["Name"]); when N is set, the message has plural forms and is read
//     for the count *N, which also fills {{.Count}};
//   - a literal: Text, shown as it is in every language. Answer tags, figures and rule
//     expressions ("CB 1021", "sum(K1..K25)", "CB <= RV") are literals: they are
//     notation, written the same in every language;
//   - a list: List, its items written one after another with Sep between them;
//   - words given in several languages by whoever wrote them, such as a form rule's
//     message: Texts, written with Texts.In(lang, "en").
//
// The zero Message is the empty literal. Its JSON form is compact: a literal is a JSON
// string, a catalogue message an object {"key", "args", "n"}, a list an object {"list",
// "sep"}, given words an object {"texts"}.
type Message struct {
	Key   string
	Args  map[string]Message
	N     *int
	Text  string
	List  []Message
	Sep   string
	Texts Text
}

// Msg returns the catalogue message key with args filled in.
func Msg(key string, args map[string]Message) Message { return Message{Key: key, Args: args} }

// MsgN returns the catalogue message key, with plural forms, for the count n.
func MsgN(key string, n int, args map[string]Message) Message {
	return Message{Key: key, Args: args, N: &n}
}

// Lit returns the literal s: notation shown as it is in every language.
func Lit(s string) Message { return Message{Text: s} }

// Litf returns the literal fmt.Sprintf(format, args...).
func Litf(format string, args ...any) Message { return Message{Text: fmt.Sprintf(format, args...)} }

// Join returns the list of items written with sep between them.
func Join(sep string, items ...Message) Message {
	if len(items) == 0 {
		return Message{}
	}
	return Message{List: items, Sep: sep}
}

// In writes m in the language lang (see locales.For): a catalogue message in that
// language (in English where the language lacks it), its arguments written in the same
// language; a literal as it is. Numbers in a Message are literals, so they are written as
// they were given, in digits without grouping.
func (m Message) In(lang string) string {
	switch {
	case m.Key != "":
		p := locales.For(lang)
		var args locales.Args
		if len(m.Args) > 0 {
			args = make(locales.Args, len(m.Args))
			for name, a := range m.Args {
				args[name] = a.In(lang)
			}
		}
		if m.N != nil {
			return p.N(m.Key, *m.N, args)
		}
		return p.T(m.Key, args)
	case m.List != nil:
		parts := make([]string, len(m.List))
		for i, it := range m.List {
			parts[i] = it.In(lang)
		}
		return strings.Join(parts, m.Sep)
	case m.Texts != nil:
		return m.Texts.In(lang, locales.Fallback)
	}
	return m.Text
}

// All writes m in every language of the catalogue, for data that carries its words in
// every language (a statistic's note or reason).
func (m Message) All() Text {
	out := make(Text, len(locales.Languages))
	for _, lang := range locales.Languages {
		out[lang] = m.In(lang)
	}
	return out
}

// English is m in English, the fallback language: what the English-only fields (Detail,
// Problem.Message) hold.
func (m Message) English() string { return m.In(locales.Fallback) }

// MarshalJSON writes m in its compact JSON form (see Message).
func (m Message) MarshalJSON() ([]byte, error) { return m.AppendJSON(nil), nil }

// AppendJSON appends m's JSON form to b, for encoders that write JSON directly.
func (m Message) AppendJSON(b []byte) []byte {
	switch {
	case m.Key != "":
		b = append(b, `{"key":`...)
		b = AppendJSONString(b, m.Key)
		if len(m.Args) > 0 {
			b = append(b, `,"args":{`...)
			var names [8]string // most messages have a few arguments: sorted without allocating
			for i, name := range sortedNames(names[:0], m.Args) {
				if i > 0 {
					b = append(b, ',')
				}
				b = AppendJSONString(b, name)
				b = append(b, ':')
				b = m.Args[name].AppendJSON(b)
			}
			b = append(b, '}')
		}
		if m.N != nil {
			b = append(b, `,"n":`...)
			b = strconv.AppendInt(b, int64(*m.N), 10)
		}
		return append(b, '}')
	case m.List != nil:
		b = append(b, `{"list":[`...)
		for i, it := range m.List {
			if i > 0 {
				b = append(b, ',')
			}
			b = it.AppendJSON(b)
		}
		b = append(b, `],"sep":`...)
		b = AppendJSONString(b, m.Sep)
		return append(b, '}')
	case m.Texts != nil:
		b = append(b, `{"texts":{`...)
		for i, lang := range m.Texts.Languages() {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendJSONString(b, lang)
			b = append(b, ':')
			b = AppendJSONString(b, m.Texts[lang])
		}
		return append(b, "}}"...)
	}
	return AppendJSONString(b, m.Text)
}

// UnmarshalJSON reads m from its JSON form (see Message).
func (m *Message) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		*m = Message{}
		return json.Unmarshal(data, &m.Text)
	}
	var raw struct {
		Key   string             `json:"key"`
		Args  map[string]Message `json:"args"`
		N     *int               `json:"n"`
		List  []Message          `json:"list"`
		Sep   string             `json:"sep"`
		Texts Text               `json:"texts"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	if raw.Key == "" && len(raw.List) == 0 && len(raw.Texts) == 0 {
		return errors.New("a message is a string, or an object with a key, a list or texts")
	}
	if len(raw.Args) == 0 {
		raw.Args = nil
	}
	*m = Message{Key: raw.Key, Args: raw.Args, N: raw.N, List: raw.List, Sep: raw.Sep, Texts: raw.Texts}
	return nil
}

// sortedNames appends the keys of m to keys and sorts them.
func sortedNames(keys []string, m map[string]Message) []string {
	for k := range m {
		keys = append(keys, k)
	}
	if len(keys) > 1 {
		slices.Sort(keys)
	}
	return keys
}

// AppendJSONString appends s to b as a JSON string: printable ASCII other than '"' and
// '\\' as it is, anything else as encoding/json writes it (escaping what must be, and
// replacing invalid UTF-8). Encoders that write JSON by hand on the intake's path use it.
func AppendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			q, _ := json.Marshal(s) // encoding/json encodes every string
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
