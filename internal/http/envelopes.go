package http

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
	"github.com/iltod/iltod/tlog"
)

// envelopesWriteTimeout bounds writing one envelopes download, which can be far larger
// than the server's WriteTimeout allows for.
const envelopesWriteTimeout = 10 * time.Minute

// getEnvelopes streams the envelopes.jsonl file of an election's public dataset
// (docs/log.md §5) exactly as `iltod export dataset` writes it: for every accepted report
// of the election that a checkpoint of the log covers, in seq order, its envelope or
// {"seq":N,"withheld":"testimony"}. app.PublicEnvelopes decides which are withheld. The
// checkpoint is the log's current one, or, with ?size=N, the one of tree size N that the
// caller holds (N at most the current size), so that the file verifies against it with
// the log's tiles; the X-Iltod-Tree-Size header says which. It answers not_found when the
// server keeps no log or the log has no checkpoint yet.
func (s *Server) getEnvelopes(w http.ResponseWriter, r *http.Request) {
	e, err := s.app.Election(r.Context(), r.PathValue("election"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.tiles == nil {
		s.writeError(w, r, iltod.E(iltod.ENotFound, "error.no_log", nil))
		return
	}
	logSize, err := s.logSize(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	size := logSize
	if v := r.URL.Query().Get("size"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			s.writeError(w, r, iltod.E(iltod.EInvalid, "error.log_size", nil))
			return
		}
		if n > logSize {
			s.writeError(w, r, iltod.E(iltod.EInvalid, "error.log_size_beyond", locales.Args{"Leaves": logSize, "Size": n}))
			return
		}
		size = n
	}
	envs, err := s.app.PublicEnvelopes(r.Context(), e.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	demoHeader(w, e)
	h := w.Header()
	h.Set("Content-Type", "application/x-ndjson")
	h.Set("Content-Disposition", `attachment; filename="`+e.ID+`-envelopes.jsonl"`)
	h.Set("Cache-Control", cachePublic)
	h.Set("X-Iltod-Tree-Size", strconv.FormatUint(size, 10))
	if r.Method == http.MethodHead {
		return
	}
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(envelopesWriteTimeout))
	// WriteDatasetEnvelopes checks every line before it writes one, so an error after
	// the first byte means only that the client went away.
	if _, err := tlog.WriteDatasetEnvelopes(w, envs, size); err != nil {
		s.log.WarnContext(r.Context(), "envelopes download cut short", "election", e.ID, "err", err)
	}
}

// logSize returns the tree size of the log's current checkpoint, as a partner reads it
// under /log/checkpoint; ENotFound while the log has none.
func (s *Server) logSize(ctx context.Context) (uint64, error) {
	text, err := (&publicSite{s: s}).checkpoint(ctx)
	if err != nil {
		return 0, err
	}
	if text == "" {
		return 0, iltod.E(iltod.ENotFound, "error.no_checkpoint", nil)
	}
	cp, ok := parseCheckpoint(text)
	if !ok || cp.size < 0 {
		return 0, fmt.Errorf("the log's checkpoint is malformed")
	}
	return uint64(cp.size), nil
}
