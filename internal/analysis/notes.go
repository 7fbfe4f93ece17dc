package analysis

import (
	"errors"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// note returns the catalogue message key in every language, its
// placeholders filled with args: a value that is an iltod.Text (a reason given in every
// language) is written in each language; an int, a decimal and a percent as the language
// writes numbers; anything else as it is.
func note(key string, args locales.Args) iltod.Text {
	out := make(iltod.Text, len(locales.Languages))
	for _, lang := range locales.Languages {
		p := locales.For(lang)
		a := make(locales.Args, len(args))
		for k, v := range args {
			switch v := v.(type) {
			case iltod.Text:
				a[k] = v.In(lang, locales.Fallback)
			case int:
				a[k] = p.Int(int64(v))
			case decimal:
				a[k] = p.Number(v.x, v.places)
			case percent:
				a[k] = p.Percent(v.x, v.places)
			default:
				a[k] = v
			}
		}
		out[lang] = p.T(key, a)
	}
	return out
}

// decimal is a number for a note, written with places digits after the separator.
type decimal struct {
	x      float64
	places int
}

// percent is a fraction for a note, written as a percentage with places decimals.
type percent struct {
	x      float64
	places int
}

// noteError is an error whose text is a note (see note): its Error is the English, its
// Text every language.
type noteError struct {
	key  string
	args locales.Args
}

func (e *noteError) Error() string    { return e.Text()[locales.Fallback] }
func (e *noteError) Text() iltod.Text { return note(e.key, e.args) }

// textOf returns err's message in every language of the catalogue: the Text of an error
// that has one (the stats packages' errors, noteError), the message of an *iltod.Error
// named by a key, and otherwise its English Error for every language.
func textOf(err error) iltod.Text {
	var t interface{ Text() iltod.Text }
	if errors.As(err, &t) {
		return t.Text()
	}
	out := make(iltod.Text, len(locales.Languages))
	for _, lang := range locales.Languages {
		var e *iltod.Error
		if errors.As(err, &e) && e.Key != "" {
			out[lang] = iltod.ErrorMessageIn(e, lang)
		} else {
			out[lang] = err.Error()
		}
	}
	return out
}

// joinText joins a and b, each in every language, with "; "; it returns b when a is
// empty.
func joinText(a, b iltod.Text) iltod.Text {
	if len(a) == 0 {
		return b
	}
	out := make(iltod.Text, len(locales.Languages))
	for _, lang := range locales.Languages {
		out[lang] = a.In(lang, locales.Fallback) + "; " + b.In(lang, locales.Fallback)
	}
	return out
}
