package http

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/qa"
	"github.com/iltod/iltod/locales"
)

// MaxReportBody bounds the body of POST /api/v1/reports.
const MaxReportBody = 8 << 20

// MaxSmallBody bounds the bodies of other POST requests.
const MaxSmallBody = 16 << 10

// readBody reads at most limit bytes of the request body; a larger body is ETooLarge.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	if r.ContentLength > 0 && r.ContentLength <= limit {
		buf.Grow(int(r.ContentLength) + bytes.MinRead) // read once, not grown by doubling
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	body := buf.Bytes()
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, iltod.E(iltod.ETooLarge, "error.body_too_large", locales.Args{"Max": limit})
	case err != nil:
		return nil, iltod.E(iltod.EInvalid, "error.body_unreadable", nil)
	}
	return body, nil
}

type resultBody struct {
	Receipt *app.Receipt `json:"receipt,omitempty"`
	Error   *errorDetail `json:"error,omitempty"`
}

// submitReports accepts one envelope, answered with its receipt (201, or 200 for a
// report already accepted) or its error; or {"envelopes":[…]}, answered 200 with
// {"results":[…]} holding a receipt or an error for each, in order. The receipts' QA
// details and the errors' messages are in the language Accept-Language asks for (see
// apiLang); each check also carries its message as data ("msg"). The Iltod-Device-Time
// header, the phone's clock when it sent, goes to the device-clock check.
func (s *Server) submitReports(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r, MaxReportBody)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var batch struct {
		Envelopes []json.RawMessage `json:"envelopes"`
	}
	single := !bytes.Contains(body, []byte(`"envelopes"`))
	var envelopes [][]byte
	if single {
		envelopes = [][]byte{body}
	} else if split, ok := splitEnvelopes(body); ok {
		envelopes = split
	} else {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&batch); err != nil || len(batch.Envelopes) == 0 {
			s.writeError(w, r, iltod.E(iltod.EInvalid, "error.reports_body", nil))
			return
		}
		for _, e := range batch.Envelopes {
			envelopes = append(envelopes, e)
		}
	}
	results, err := s.app.Submit(r.Context(), envelopes, app.DeviceClock(r.Header.Get(qa.DeviceTimeHeader)))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// A receipt is for its device alone: no cache may keep it.
	w.Header().Set("Cache-Control", cacheNone)
	// The checks' details and the errors follow Accept-Language, as error messages do.
	lang := apiLang(r)
	all := r.URL.Query().Get("checks") == "all"
	if single {
		res := results[0]
		if res.Err != nil {
			s.writeError(w, r, res.Err)
			return
		}
		status := http.StatusCreated
		if res.Receipt.Duplicate {
			status = http.StatusOK
		}
		w.Header().Set("Content-Language", lang)
		b := append(make([]byte, 0, 2048), `{"receipt":`...)
		b = appendReceipt(b, res.Receipt, lang, all)
		s.writeJSONBytes(w, r, status, append(b, "}\n"...))
		return
	}
	b := append(make([]byte, 0, 2048*len(results)), `{"results":[`...)
	for i, res := range results {
		if i > 0 {
			b = append(b, ',')
		}
		var out resultBody
		if res.Err != nil {
			code, status, msg := publicError(res.Err, lang)
			if status >= 500 {
				s.logError(r, status, res.Err)
			}
			out.Error = &errorDetail{Code: code, Message: msg}
		} else {
			out.Receipt = res.Receipt
		}
		b = appendResult(b, out, lang, all)
	}
	w.Header().Set("Content-Language", lang)
	s.writeJSONBytes(w, r, http.StatusOK, append(b, "]}\n"...))
}

// splitEnvelopes reads a batch written as devices write it: {"envelopes":[…]} with no
// space, each envelope in its canonical form (iltod.IsCanonicalWire), and returns each
// envelope's bytes. Anything else is not ok, and submitReports reads it with
// encoding/json, which gives the same envelopes for what splitEnvelopes reads
// (FuzzSplitEnvelopes checks it) at several times the cost.
func splitEnvelopes(body []byte) ([][]byte, bool) {
	const head, tail = `{"envelopes":[`, `]}`
	if !bytes.HasPrefix(body, []byte(head)) || !bytes.HasSuffix(body, []byte(tail)) {
		return nil, false
	}
	rest := body[len(head) : len(body)-len(tail)]
	out := make([][]byte, 0, bytes.Count(rest, []byte("},{"))+1)
	for {
		// A canonical envelope holds no brace but its last.
		end := bytes.IndexByte(rest, '}')
		if end < 0 || !iltod.IsCanonicalWire(rest[:end+1]) {
			return nil, false
		}
		out = append(out, rest[:end+1:end+1])
		rest = rest[end+1:]
		if len(rest) == 0 {
			return out, true
		}
		if rest[0] != ',' {
			return nil, false
		}
		rest = rest[1:]
	}
}

// enrollDevice binds a device key to an observer with a one-time code:
// {"code": "…", "key": "<base64 Ed25519 public key>"} → 201 {"device": …}.
func (s *Server) enrollDevice(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r, MaxSmallBody)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req struct {
		Code string `json:"code"`
		Key  string `json:"key"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		s.writeError(w, r, iltod.E(iltod.EInvalid, "error.enroll_body", nil))
		return
	}
	key, err := base64.StdEncoding.DecodeString(req.Key)
	if err != nil {
		s.writeError(w, r, iltod.E(iltod.EInvalid, "error.key_base64", nil))
		return
	}
	d, err := s.app.Enroll(r.Context(), req.Code, key)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", cacheNone) // the device's own record: no cache keeps it
	s.writeJSONStatus(w, r, http.StatusCreated, struct {
		Device iltod.Device `json:"device"`
	}{d})
}

// getReceipt answers the full receipt of a report (a C2SP tlog-proof, text/plain), or
// not_found while the log has not yet published a checkpoint that covers it.
// ?election= narrows the search when the same id is used in two elections.
func (s *Server) getReceipt(w http.ResponseWriter, r *http.Request) {
	proof, err := s.app.ReceiptProof(r.Context(), r.URL.Query().Get("election"), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", cachePublic)
	w.Write(proof)
}

// logFiles serves the tlog-tiles tree under /log/, or not_found when the server keeps no log.
func (s *Server) logFiles(w http.ResponseWriter, r *http.Request) {
	if s.tiles == nil {
		s.writeError(w, r, iltod.E(iltod.ENotFound, "error.no_log", nil))
		return
	}
	http.StripPrefix("/log", s.tiles).ServeHTTP(w, r)
}

// SetLog makes the server serve the log's tiles from h under /log/ (h sees paths such as
// /checkpoint and /tile/0/000). Call it before serving.
func (s *Server) SetLog(h http.Handler) { s.tiles = h }
