package http

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"sync"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/locales"
)

// The anonymous form's mechanics (report_anon.go): reading its multipart body into
// memory only, its form tokens, and its global rate limits. None of them looks at the
// client's address.

// Bounds of one submission of the anonymous form.
const (
	// anonMaxFields bounds the text of one field other than the narrative.
	anonMaxField = 256
	// anonMaxText bounds the narrative's bytes: iltod.MaxNarrativeLen characters of up
	// to four bytes.
	anonMaxText = 4 * iltod.MaxNarrativeLen
	// anonMaxParts bounds the parts of a body, empty file inputs included.
	anonMaxParts = 32
	// anonMaxBody bounds a whole request body: the files, the text and the framing.
	anonMaxBody = app.MaxCitizenFiles*app.MaxCitizenFileBytes + anonMaxText + 1<<20
)

// anonFields are the fields the forms send, other than files ("files") and the text.
var anonFields = map[string]bool{
	"token": true, "category": true, "date": true, "time": true, "end_date": true, "end_time": true,
	"area": true, "station": true, "code": true, "action": true,
}

// anonForm is a submission of one of the anonymous forms, as read from its body.
type anonForm struct {
	fields map[string]string
	text   string
	files  [][]byte
}

// readAnonForm reads a multipart/form-data body into memory, never onto disk (the
// standard library's ParseMultipartForm spills large files to a temporary file, which
// would put plaintext evidence on the server's disk). It keeps the known fields, the text
// field and the non-empty files of the "files" inputs, and refuses, with a catalogue
// error, a body that is not multipart, a field twice, more parts than anonMaxParts, more
// files than app.MaxCitizenFiles, or a field or file over its bound. r MUST already be
// bounded (http.MaxBytesReader); a *http.MaxBytesError becomes ETooLarge.
func readAnonForm(r io.Reader, contentType string) (*anonForm, error) {
	bad := iltod.E(iltod.EInvalid, "error.citizen.form", nil)
	mt, params, err := mime.ParseMediaType(contentType)
	boundary := params["boundary"]
	if err != nil || mt != "multipart/form-data" || boundary == "" {
		return nil, bad
	}
	f := &anonForm{fields: map[string]string{}}
	mr := multipart.NewReader(r, boundary)
	seenText := false
	for n := 0; ; n++ {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		if err != nil {
			return nil, anonReadError(err, bad)
		}
		if n >= anonMaxParts {
			return nil, bad
		}
		name := p.FormName()
		switch {
		case name == "files":
			b, err := readBounded(p, app.MaxCitizenFileBytes)
			if err != nil {
				return nil, anonReadError(err, iltod.E(iltod.ETooLarge, "error.citizen.file_too_large",
					locales.Args{"Max": app.MaxCitizenFileBytes >> 20}))
			}
			if len(b) == 0 {
				continue // a file input left empty
			}
			if len(f.files) == app.MaxCitizenFiles {
				return nil, iltod.E(iltod.EInvalid, "error.citizen.too_many_files", locales.Args{"Max": app.MaxCitizenFiles})
			}
			f.files = append(f.files, b)
		case name == "text":
			b, err := readBounded(p, anonMaxText)
			if err != nil || seenText {
				return nil, anonReadError(err, iltod.E(iltod.EInvalid, "error.citizen.narrative_long",
					locales.Args{"Max": iltod.MaxNarrativeLen}))
			}
			f.text, seenText = string(b), true
		case anonFields[name]:
			b, err := readBounded(p, anonMaxField)
			if _, dup := f.fields[name]; err != nil || dup {
				return nil, anonReadError(err, bad)
			}
			f.fields[name] = string(b)
		default:
			// A field this form does not know is read past and dropped.
			if _, err := io.Copy(io.Discard, p); err != nil {
				return nil, anonReadError(err, bad)
			}
		}
	}
}

// errTooLong is returned by readBounded for a part longer than its bound.
var errTooLong = iltod.E(iltod.EInvalid, "error.citizen.form", nil)

// readBounded reads r whole if it holds at most max bytes, else errTooLong.
func readBounded(r io.Reader, max int) ([]byte, error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, int64(max)+1))
	switch {
	case err != nil:
		return nil, err
	case n > int64(max):
		return nil, errTooLong
	}
	return buf.Bytes(), nil
}

// anonReadError is the error to answer for err met reading a body: ETooLarge when the
// whole body was too large, else def.
func anonReadError(err error, def error) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return iltod.E(iltod.ETooLarge, "error.citizen.request_too_large", locales.Args{"Max": anonMaxBody >> 20})
	}
	return def
}

// formTokens issues and checks the tokens that the anonymous forms carry in place of a
// session's CSRF token, since they set no cookie: a token is a time, a random nonce and
// an HMAC over them with the form's purpose and election, under a key shared by every
// server instance (from shared; without it, one made when the server starts). A token is
// good for tokenLife after it was issued; a token used to change something (spend) is
// refused the second time, on any instance, so that a form sent twice files one report.
// It is safe for concurrent use.
type formTokens struct {
	key []byte
	now func() time.Time
	// shared, if not nil, keeps the key and the spent tokens in the store, for every
	// instance (docs/cluster.md).
	shared tokenStore

	mu   sync.Mutex
	used map[string]time.Time // spent tokens' MACs → when they expire, without shared
}

// tokenStore keeps the form tokens' key and spent tokens for every server instance;
// *app.App implements it.
type tokenStore interface {
	FormTokenKey(ctx context.Context) ([]byte, error)
	SpendFormToken(ctx context.Context, mac []byte, now, until time.Time) error
	ReleaseFormToken(ctx context.Context, mac []byte) error
}

// tokenLife is how long a form may stay open: long, for a person writing slowly over Tor.
const tokenLife = 3 * time.Hour

// maxSpent bounds the spent tokens remembered; the global rate limits keep the real
// number far below it.
const maxSpent = 100_000

func newFormTokens() *formTokens {
	key := make([]byte, 32)
	rand.Read(key)
	return &formTokens{key: key, now: time.Now, used: map[string]time.Time{}}
}

// tokenLen is the length of a token's bytes: time, nonce, MAC.
const tokenLen = 8 + 8 + 16

// keyOf returns the key tokens are made with.
func (ft *formTokens) keyOf(ctx context.Context) ([]byte, error) {
	if ft.shared == nil {
		return ft.key, nil
	}
	return ft.shared.FormTokenKey(ctx)
}

func mac(key []byte, purpose, election string, head []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose + "\n" + election + "\n"))
	m.Write(head)
	return m.Sum(nil)[:16]
}

// issue returns a new token for a form of purpose about election. It fails only if the
// shared key cannot be read.
func (ft *formTokens) issue(ctx context.Context, purpose, election string) (string, error) {
	key, err := ft.keyOf(ctx)
	if err != nil {
		return "", err
	}
	b := make([]byte, 16, tokenLen)
	binary.BigEndian.PutUint64(b, uint64(ft.now().Unix()))
	rand.Read(b[8:16])
	b = append(b, mac(key, purpose, election, b)...)
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// check returns the token's MAC if tok is a good, unexpired token of purpose and
// election, else EInvalid ("error.citizen.token"), or the error reading the shared key.
func (ft *formTokens) check(ctx context.Context, purpose, election, tok string) (string, error) {
	bad := iltod.E(iltod.EInvalid, "error.citizen.token", nil)
	if len(tok) != base64.RawURLEncoding.EncodedLen(tokenLen) {
		return "", bad
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != tokenLen {
		return "", bad
	}
	key, err := ft.keyOf(ctx)
	if err != nil {
		return "", err
	}
	if !hmac.Equal(b[16:], mac(key, purpose, election, b[:16])) {
		return "", bad
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(b)), 0)
	now := ft.now()
	if now.Before(issued.Add(-time.Minute)) || now.After(issued.Add(tokenLife)) {
		return "", bad
	}
	return string(b[16:]), nil
}

// spend checks tok as check does and marks it used; a token used already is refused with
// EConflict ("error.citizen.token_used"). release undoes it, for a submission refused
// with nothing stored, so that the same page can be sent again once corrected.
func (ft *formTokens) spend(ctx context.Context, purpose, election, tok string) (release func(), err error) {
	m, err := ft.check(ctx, purpose, election, tok)
	if err != nil {
		return nil, err
	}
	now := ft.now()
	if ft.shared != nil {
		if err := ft.shared.SpendFormToken(ctx, []byte(m), now, now.Add(tokenLife+time.Minute)); err != nil {
			if iltod.ErrorCodeOf(err) == iltod.EConflict {
				return nil, iltod.E(iltod.EConflict, "error.citizen.token_used", nil)
			}
			return nil, err
		}
		return func() { ft.shared.ReleaseFormToken(context.WithoutCancel(ctx), []byte(m)) }, nil
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if _, ok := ft.used[m]; ok {
		return nil, iltod.E(iltod.EConflict, "error.citizen.token_used", nil)
	}
	if len(ft.used) >= maxSpent {
		for k, exp := range ft.used {
			if now.After(exp) {
				delete(ft.used, k)
			}
		}
		if len(ft.used) >= maxSpent {
			return nil, iltod.E(iltod.ERateLimited, "error.citizen.busy", nil)
		}
	}
	ft.used[m] = now.Add(tokenLife + time.Minute)
	return func() {
		ft.mu.Lock()
		delete(ft.used, m)
		ft.mu.Unlock()
	}, nil
}

// bucket is a global token-bucket rate limit: up to burst requests at once, refilled at
// one per every. It keys on nothing, the client's address least of all: the anonymous
// form must not tell its reporters apart. It is safe for concurrent use.
type bucket struct {
	burst float64
	every time.Duration
	now   func() time.Time

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

func newBucket(burst int, every time.Duration) *bucket {
	return &bucket{burst: float64(burst), every: every, now: time.Now, tokens: float64(burst)}
}

// allow takes one request from the bucket, and reports whether there was one.
func (b *bucket) allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if !b.last.IsZero() {
		b.tokens = min(b.burst, b.tokens+float64(now.Sub(b.last))/float64(b.every))
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// anonZone is the time zone the form's dates and times are read in: the country's civil
// time where the site knows it (Mongolia keeps UTC+8 all year; its western aimags' UTC+7
// is an hour off, within what a citizen's memory gives), else UTC. The form says which.
func anonZone(country string) *time.Location {
	switch country {
	case "MN":
		return time.FixedZone("UTC+08:00", 8*3600)
	}
	return time.UTC
}

// parseWhen reads the form's date, time, end date and end time (YYYY-MM-DD, HH:MM) in
// zone: a date alone is the whole day; a date and a time is a moment; an end date or end
// time makes a span (an end time alone ends on the start's day; an end date alone ends at
// its day's end). It returns EInvalid ("error.citizen.when", "error.citizen.when_end")
// for a value that is not a date or time, or an end before the start.
func parseWhen(date, clock, endDate, endClock string, zone *time.Location) (start, end time.Time, err error) {
	d, err := time.ParseInLocation(time.DateOnly, date, zone)
	if err != nil {
		return time.Time{}, time.Time{}, iltod.E(iltod.EInvalid, "error.citizen.when", nil)
	}
	dayEnd := func(t time.Time) time.Time { return t.AddDate(0, 0, 1).Add(-time.Minute) }
	start = d
	if clock != "" {
		c, err := time.Parse("15:04", clock)
		if err != nil {
			return time.Time{}, time.Time{}, iltod.E(iltod.EInvalid, "error.citizen.when", nil)
		}
		start = d.Add(time.Duration(c.Hour())*time.Hour + time.Duration(c.Minute())*time.Minute)
	}
	badEnd := iltod.E(iltod.EInvalid, "error.citizen.when_end", nil)
	ed := d
	if endDate != "" {
		if ed, err = time.ParseInLocation(time.DateOnly, endDate, zone); err != nil {
			return time.Time{}, time.Time{}, badEnd
		}
	}
	switch {
	case endClock != "":
		c, err := time.Parse("15:04", endClock)
		if err != nil {
			return time.Time{}, time.Time{}, badEnd
		}
		end = ed.Add(time.Duration(c.Hour())*time.Hour + time.Duration(c.Minute())*time.Minute)
	case endDate != "" || clock == "":
		end = dayEnd(ed)
	}
	if !end.IsZero() && end.Before(start) {
		return time.Time{}, time.Time{}, badEnd
	}
	return start, end, nil
}
