package locales

import "maps"

// Localizer is a value that writes itself in a Printer's language.
type Localizer interface {
	In(p *Printer) string
}

// Message is a message of the catalogue to be written later, in a language not yet
// known: the message Key filled with Args. An Args value that is a Localizer (another
// Message, an *Error) is written in the same language; an error that is not one is
// written as its Error method writes it.
type Message struct {
	Key  string
	Args Args
}

// In returns the message in p's language.
func (m Message) In(p *Printer) string {
	var args Args
	for name, v := range m.Args {
		var s string
		switch v := v.(type) {
		case Localizer:
			s = v.In(p)
		case error:
			s = v.Error()
		default:
			continue
		}
		if args == nil {
			args = maps.Clone(m.Args)
		}
		args[name] = s
	}
	if args == nil {
		args = m.Args
	}
	return p.T(m.Key, args)
}

// Error is an error whose text is a Message. Its Error method writes it in English
// (Fallback), for logs and for callers that know no language; In, or Printer.Error,
// writes it in a Printer's language. The errors among its Args are its causes: Unwrap
// returns them, so errors.Is and errors.As see through an *Error.
type Error struct {
	Message
}

// NewError returns the *Error of the message key filled with args.
func NewError(key string, args Args) *Error { return &Error{Message{Key: key, Args: args}} }

// Error returns the message in English.
func (e *Error) Error() string { return e.In(For(Fallback)) }

// Unwrap returns the errors among the message's Args.
func (e *Error) Unwrap() []error {
	var out []error
	for _, v := range e.Args {
		if err, ok := v.(error); ok {
			out = append(out, err)
		}
	}
	return out
}

// Error returns err's text in p's language: its In if err is a Localizer (an *Error, or
// a type that wraps one), otherwise err.Error(). It returns "" for nil.
func (p *Printer) Error(err error) string {
	if err == nil {
		return ""
	}
	if l, ok := err.(Localizer); ok {
		return l.In(p)
	}
	return err.Error()
}
