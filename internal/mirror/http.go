package mirror

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/iltod/iltod"
	iltodhttp "github.com/iltod/iltod/internal/http"
	"github.com/iltod/iltod/locales"
	"github.com/iltod/iltod/tlog"
)

// Handler serves the mirror:
//
//	GET  /log/checkpoint, /log/tile/…        the copy, read-only, as the origin serves it
//	GET  /mirror/status                       what the mirror holds, its forks and its queue (JSON)
//	GET  /mirror/forks/{id}.txt|.checkpoint|.held   a fork's record and both checkpoints
//	POST /api/v1/reports                      the relay: envelopes for the origin
//	GET  /api/v1/reports/{id}/receipt         the origin's full receipt, proxied and kept
//	GET  /healthz
//
// Errors are the API's JSON errors, in the language of Accept-Language. The API paths
// allow any origin (CORS), so that the observer app, served by the origin, can fall back
// to the mirror.
func (m *Mirror) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /log/{path...}", m.serveLog)
	mux.HandleFunc("GET /mirror/status", m.serveStatus)
	mux.HandleFunc("GET /mirror/forks/{file}", m.serveFork)
	mux.HandleFunc("POST /api/v1/reports", m.acceptReports)
	mux.HandleFunc("OPTIONS /api/v1/reports", preflight)
	mux.HandleFunc("GET /api/v1/reports/{id}/receipt", m.proxyReceipt)
	mux.HandleFunc("OPTIONS /api/v1/reports/{id}/receipt", preflight)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeErr(w, r, iltod.E(iltod.ENotFound, "error.no_route", locales.Args{"Path": r.URL.Path}))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("X-Content-Type-Options", "nosniff")
		mux.ServeHTTP(w, r)
	})
}

func preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type, Accept-Language, Iltod-Device-Time")
	h.Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
}

func writeErr(w http.ResponseWriter, r *http.Request, err error) {
	lang := iltodhttp.APILang(r)
	code, status, msg := iltodhttp.APIError(err, lang)
	w.Header().Set("Content-Language", lang)
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func (m *Mirror) serveLog(w http.ResponseWriter, r *http.Request) {
	res, err := ParsePath(r.PathValue("path"))
	if err != nil {
		writeErr(w, r, iltod.E(iltod.ENotFound, "error.no_route", locales.Args{"Path": r.URL.Path}))
		return
	}
	f, err := os.Open(filepath.Join(m.cfg.Dir, LogDir, filepath.FromSlash(res.Path())))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			writeErr(w, r, iltod.E(iltod.ENotFound, "error.mirror.not_held", nil))
			return
		}
		writeErr(w, r, err)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		writeErr(w, r, iltod.E(iltod.ENotFound, "error.mirror.not_held", nil))
		return
	}
	h := w.Header()
	mod := fi.ModTime()
	switch {
	case res.Checkpoint:
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Cache-Control", "public, max-age=1")
		mod = time.Time{}
	case res.Width > 0:
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Cache-Control", "public, max-age=60")
	default:
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	http.ServeContent(w, r, "", mod, f)
}

// Status is the mirror's state, as /mirror/status gives it.
type Status struct {
	// Origin is the origin's base URL; Log its log's origin line.
	Origin string `json:"origin"`
	Log    string `json:"log"`
	// Size is the size of the checkpoint held, 0 while none is.
	Size uint64 `json:"size"`
	// LastSync is when the mirror last read the origin's checkpoint and held it (or a
	// newer one); LastError why the last attempt failed, if it did.
	LastSync  *time.Time `json:"last_sync,omitempty"`
	LastError string     `json:"last_error,omitempty"`
	// Forks are the checkpoints, signed by the origin's key, that are inconsistent with
	// the one the mirror held when it saw them. Any fork is an alarm.
	Forks []Fork      `json:"forks"`
	Relay RelayStatus `json:"relay"`
}

// RelayStatus counts the relay's envelopes.
type RelayStatus struct {
	Queued  int `json:"queued"`
	Sent    int `json:"sent"`
	Refused int `json:"refused"`
}

// Status returns the mirror's state.
func (m *Mirror) Status() Status {
	st := Status{Origin: m.Origin(), Log: m.v.Origin(), Forks: m.Forks()}
	m.mu.Lock()
	if m.held != nil {
		st.Size = m.held.Size
	}
	if !m.lastSync.IsZero() {
		t := m.lastSync
		st.LastSync = &t
	}
	if m.lastErr != nil {
		st.LastError = m.lastErr.Error()
	}
	m.mu.Unlock()
	if st.Forks == nil {
		st.Forks = []Fork{}
	}
	st.Relay.Queued, st.Relay.Sent, st.Relay.Refused = m.relay.counts()
	return st
}

func (m *Mirror) serveStatus(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, m.Status())
}

func (m *Mirror) serveFork(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	id, ext, _ := strings.Cut(file, ".")
	if !isHexID(id) || (ext != "txt" && ext != "checkpoint" && ext != "held") {
		writeErr(w, r, iltod.E(iltod.ENotFound, "error.no_route", locales.Args{"Path": r.URL.Path}))
		return
	}
	b, err := os.ReadFile(filepath.Join(m.cfg.Dir, ForksDir, file))
	if err != nil {
		writeErr(w, r, iltod.E(iltod.ENotFound, "error.mirror.no_fork", nil))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(b)
}

// RelayReceipt is the relay's answer for an envelope it queued for the origin: HTTP 202
// {"relay": …}. It is not a receipt: the origin has not seen the report yet.
type RelayReceipt struct {
	ID       string    `json:"id"`
	Election string    `json:"election"`
	Hash     string    `json:"envelope_sha256"`
	State    string    `json:"state"`
	Accepted time.Time `json:"accepted"`
	// Origin is the server the envelope is for.
	Origin string `json:"origin"`
}

type relayResult struct {
	status int
	body   json.RawMessage
}

// acceptReports takes one envelope or {"envelopes":[…]}, as the origin does. Each
// envelope is checked as far as the relay can without the origin's store: its form
// (iltod.ParseEnvelope), its signature by the key it carries, and its payload's form
// (a report with an id). One the origin already answered gets that answer again: the
// origin's receipt (200) or refusal. Any other is queued durably and answered 202 with
// a RelayReceipt, state "relayed". A single envelope is answered alone; a batch with
// {"results":[…]} holding for each a "receipt", "relay" or "error".
func (m *Mirror) acceptReports(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, iltodhttp.MaxReportBody))
	if err != nil {
		writeErr(w, r, iltod.E(iltod.ETooLarge, "error.body_too_large", locales.Args{"Max": iltodhttp.MaxReportBody}))
		return
	}
	lang := iltodhttp.APILang(r)
	single := !bytes.Contains(body, []byte(`"envelopes"`))
	envelopes := []json.RawMessage{body}
	if !single {
		var batch struct {
			Envelopes []json.RawMessage `json:"envelopes"`
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&batch); err != nil || len(batch.Envelopes) == 0 || len(batch.Envelopes) > forwardBatch*10 {
			writeErr(w, r, iltod.E(iltod.EInvalid, "error.reports_body", nil))
			return
		}
		envelopes = batch.Envelopes
	}
	results := make([]relayResult, len(envelopes))
	for i, raw := range envelopes {
		results[i] = m.relayOne(raw, lang)
	}
	w.Header().Set("Content-Language", lang)
	if single {
		h := w.Header()
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(results[0].status)
		w.Write(append(results[0].body, '\n'))
		return
	}
	out := make([]json.RawMessage, len(results))
	for i, res := range results {
		out[i] = res.body
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": out})
}

// relayOne checks and queues one envelope, and returns the answer for it.
func (m *Mirror) relayOne(raw []byte, lang string) relayResult {
	fail := func(err error) relayResult {
		code, status, msg := iltodhttp.APIError(err, lang)
		if status >= 500 {
			m.log.Error("relay: queue an envelope", "err", err)
		}
		return relayResult{status, mustJSON(map[string]any{"error": map[string]any{"code": code, "message": msg}})}
	}
	env, err := iltod.ParseEnvelope(raw)
	if err != nil {
		return fail(err)
	}
	if err := env.Verify(); err != nil {
		return fail(err)
	}
	rep, err := env.Report()
	if err != nil {
		return fail(err)
	}
	sum := env.Hash()
	hash := hex.EncodeToString(sum[:])
	state, answer, err := m.relay.state(hash)
	if err != nil {
		return fail(err)
	}
	switch state {
	case StateSent:
		return relayResult{http.StatusOK, answer}
	case StateRefused:
		var sr storedRefusal
		if err := json.Unmarshal(answer, &sr); err != nil || sr.Status < 400 {
			return fail(fmt.Errorf("relay: stored refusal of %s: %v", hash, err))
		}
		return relayResult{sr.Status, sr.Body}
	}
	ok, err := m.relay.enqueue(hash, iltod.KeyID(env.Key), env.Bytes())
	if err != nil {
		return fail(err)
	}
	if !ok {
		return fail(iltod.E(iltod.ERateLimited, "error.mirror.relay_full", nil))
	}
	rr := RelayReceipt{ID: rep.ID, Election: rep.Election, Hash: hash, State: "relayed", Accepted: time.Now().UTC().Truncate(time.Second), Origin: m.Origin()}
	return relayResult{http.StatusAccepted, mustJSON(map[string]any{"relay": rr})}
}

// proxyReceipt answers a report's full receipt: the origin's, verified and kept, or
// the one kept before when the origin cannot be reached.
func (m *Mirror) proxyReceipt(w http.ResponseWriter, r *http.Request) {
	id, election := r.PathValue("id"), r.URL.Query().Get("election")
	if !iltod.ValidReportID(id) || len(election) > 200 {
		writeErr(w, r, iltod.E(iltod.EInvalid, "error.report_id", locales.Args{"ID": strconv.Quote(id)}))
		return
	}
	key := sha256.Sum256([]byte(election + "\n" + id))
	cached := filepath.Join(m.relay.dir, proofsDir, hex.EncodeToString(key[:])+".proof")
	u := m.base.JoinPath("api", "v1", "reports", id, "receipt")
	if election != "" {
		u.RawQuery = "election=" + url.QueryEscape(election)
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	req.Header.Set("Accept-Language", r.Header.Get("Accept-Language"))
	resp, err := m.client.Do(req)
	if err == nil {
		defer resp.Body.Close()
		b, rerr := readAll(resp.Body, tlog.MaxReceiptSize)
		switch {
		case rerr != nil:
			err = rerr
		case resp.StatusCode == http.StatusOK:
			if _, verr := m.v.VerifyReceipt(b); verr != nil {
				m.log.Error("relay: the origin's receipt does not verify", "err", verr)
				writeErr(w, r, iltod.E(iltod.EInternal, "error.mirror.bad_receipt", nil))
				return
			}
			if werr := writeFileAtomic(cached, b); werr != nil {
				m.log.Error("relay: keep a receipt", "err", werr)
			}
			writeProof(w, b)
			return
		case resp.StatusCode < 500:
			h := w.Header()
			h.Set("Content-Type", resp.Header.Get("Content-Type"))
			h.Set("Cache-Control", "no-store")
			w.WriteHeader(resp.StatusCode)
			w.Write(b)
			return
		default:
			err = fmt.Errorf("the origin answered %s", resp.Status)
		}
	}
	if b, cerr := os.ReadFile(cached); cerr == nil {
		writeProof(w, b)
		return
	}
	m.log.Warn("relay: read a receipt from the origin", "err", err)
	writeErr(w, r, iltod.E(iltod.EUnavailable, "error.mirror.origin_unreachable", nil))
}

func writeProof(w http.ResponseWriter, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=5")
	w.Write(b)
}

func readAll(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("an answer of more than %d bytes", max)
	}
	return b, nil
}
