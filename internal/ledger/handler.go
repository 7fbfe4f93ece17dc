package ledger

import (
	"errors"
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/transparency-dev/tessera/api/layout"
)

// Cache lifetimes of the log's resources.
const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheCheckpoint = "public, max-age=1"
	cachePartial    = "public, max-age=60"
)

var tileIndexRe = regexp.MustCompile(`^(x[0-9]{3}/)*[0-9]{3}(\.p/[0-9]{1,3})?$`)

// resource maps the path of a tlog-tiles resource (relative to the log's root, such as
// "checkpoint" or "tile/0/x001/234.p/17") to its file, and says whether it is a
// checkpoint or a partial tile. Only the canonical paths of the checkpoint, hash tiles
// and entry bundles are accepted: never Tessera's private state, temporary files, the
// lock, or anything with "..".
func resource(p string) (name string, checkpoint, partial, ok bool) {
	if p == layout.CheckpointPath {
		return p, true, false, true
	}
	rest, found := strings.CutPrefix(p, "tile/")
	if !found {
		return "", false, false, false
	}
	level, index, found := strings.Cut(rest, "/")
	if !found || !tileIndexRe.MatchString(index) {
		return "", false, false, false
	}
	i, w, err := layout.ParseTileIndexPartial(index)
	if err != nil {
		return "", false, false, false
	}
	var canon string
	if level == "entries" {
		canon = layout.EntriesPath(i, w)
	} else {
		lv, err := layout.ParseTileLevel(level)
		if err != nil {
			return "", false, false, false
		}
		canon = layout.TilePath(lv, i, w)
	}
	if canon != p {
		return "", false, false, false
	}
	return p, false, w > 0, true
}

// Handler serves the log's tlog-tiles tree read-only, for partners, mirrors and
// witnesses: GET and HEAD of checkpoint, tile/L/N[.p/W] and tile/entries/N[.p/W]. Mount
// it at /log/ (mux.Handle("/log/", l.Handler())); it also works behind
// http.StripPrefix("/log", …). Anything else is 404 (405 for other methods). Responses
// allow any origin (CORS), the checkpoint is text/plain with a one-second cache life,
// tiles are application/octet-stream, cached for a year when full and a minute when
// partial. It is safe for concurrent use and serves while the log grows.
func (l *Ledger) Handler() http.Handler {
	return http.HandlerFunc(l.serveHTTP)
}

func (l *Ledger) serveHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("X-Content-Type-Options", "nosniff")
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		h.Set("Access-Control-Allow-Methods", "GET, HEAD")
		h.Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		h.Set("Allow", "GET, HEAD, OPTIONS")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	if rest, ok := strings.CutPrefix(p, "/log/"); ok {
		p = rest
	} else {
		p = strings.TrimPrefix(p, "/")
	}
	name, checkpoint, partial, ok := resource(p)
	if !ok {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	f, err := l.root.Open(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		l.log.Error("serve the log", "path", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	switch {
	case checkpoint:
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Cache-Control", cacheCheckpoint)
	case partial:
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Cache-Control", cachePartial)
	default:
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Cache-Control", cacheImmutable)
	}
	mod := fi.ModTime()
	if checkpoint {
		mod = time.Time{} // it changes more often than Last-Modified can say
	}
	http.ServeContent(w, r, "", mod, f)
}
