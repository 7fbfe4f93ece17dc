package http

import (
	"context"
	"log/slog"
	"regexp"
)

// The net/http server logs some failures of connections itself, through its ErrorLog,
// before any route is chosen, and names the peer: "http: TLS handshake error from
// 192.0.2.1:51234: EOF". Such a line would put an anonymous reporter's address in the
// log, whichever page they were opening. scrubAddresses keeps those lines but without
// any address.

// addressRe matches an IPv4 or IPv6 address, with or without a port.
var addressRe = regexp.MustCompile(`\[[0-9A-Fa-f:.%a-zA-Z]+\](:\d+)?|\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b|(\b[0-9A-Fa-f]{1,4})?(:[0-9A-Fa-f]{0,4}){2,7}`)

// scrubAddresses returns a handler that passes records on to h with every IP address in
// their message replaced by "[address]". Attributes are passed as they are: the server's
// own lines carry none that name a peer.
func scrubAddresses(h slog.Handler) slog.Handler { return scrubber{h} }

type scrubber struct{ h slog.Handler }

func (s scrubber) Enabled(ctx context.Context, l slog.Level) bool { return s.h.Enabled(ctx, l) }

func (s scrubber) Handle(ctx context.Context, r slog.Record) error {
	if addressRe.MatchString(r.Message) {
		c := slog.NewRecord(r.Time, r.Level, addressRe.ReplaceAllString(r.Message, "[address]"), r.PC)
		r.Attrs(func(a slog.Attr) bool { c.AddAttrs(a); return true })
		r = c
	}
	return s.h.Handle(ctx, r)
}

func (s scrubber) WithAttrs(as []slog.Attr) slog.Handler { return scrubber{s.h.WithAttrs(as)} }
func (s scrubber) WithGroup(name string) slog.Handler    { return scrubber{s.h.WithGroup(name)} }
