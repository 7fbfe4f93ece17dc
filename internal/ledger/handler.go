package ledger

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/iltod/iltod"

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
	var b []byte
	var err error
	if checkpoint {
		b, err = l.Checkpoint(r.Context())
	} else {
		b, err = l.readResource(name)
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || iltod.ErrorCodeOf(err) == iltod.ENotFound {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		l.log.Error("serve the log", "path", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
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
	// No Last-Modified: a checkpoint changes more often than it can say, and a tile's
	// bytes are the same on every instance whenever each wrote its file.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}

// readResource returns the tile or entry bundle at name, a canonical path (see
// resource). A partial one that is not on disk is cut from the full one or from the
// narrowest wider partial: a partial of width w is the first w hashes or entries of every
// wider version, so every instance serves the same bytes at the same path, whatever sizes
// its own batches ended at. It returns an error wrapping fs.ErrNotExist when the log has
// no version wide enough.
func (l *Ledger) readResource(name string) ([]byte, error) {
	b, err := l.root.ReadFile(name)
	dir, width, isPartial := strings.Cut(name, ".p/")
	if err == nil || !isPartial || !errors.Is(err, fs.ErrNotExist) {
		return b, err
	}
	w, err := strconv.Atoi(width)
	if err != nil || w < 1 || w > 255 {
		return nil, fs.ErrNotExist
	}
	b, err = l.root.ReadFile(dir)
	if errors.Is(err, fs.ErrNotExist) {
		ents, _ := fs.ReadDir(l.root.FS(), dir+".p")
		best := 0
		for _, e := range ents {
			if n, err := strconv.Atoi(e.Name()); err == nil && n > w && n <= 255 && (best == 0 || n < best) {
				best = n
			}
		}
		if best == 0 {
			return nil, fs.ErrNotExist
		}
		b, err = l.root.ReadFile(dir + ".p/" + strconv.Itoa(best))
	}
	if err != nil {
		return nil, err
	}
	return cutTile(b, strings.HasPrefix(name, "tile/entries/"), w)
}

// cutTile returns the first w hashes of a hash tile, or the first w entries of an entry
// bundle (each a two-byte big-endian length and the entry).
func cutTile(b []byte, entries bool, w int) ([]byte, error) {
	if !entries {
		if len(b) < w*32 {
			return nil, fs.ErrNotExist
		}
		return b[:w*32], nil
	}
	off := 0
	for range w {
		if off+2 > len(b) {
			return nil, fs.ErrNotExist
		}
		off += 2 + (int(b[off])<<8 | int(b[off+1]))
		if off > len(b) {
			return nil, fs.ErrNotExist
		}
	}
	return b[:off], nil
}

// readTile and readEntryBundle read the log's resources as readResource does, for the
// proofs the ledger builds itself.
func (l *Ledger) readTile(_ context.Context, level, index uint64, p uint8) ([]byte, error) {
	return l.readResource(layout.TilePath(level, index, p))
}

func (l *Ledger) readEntryBundle(_ context.Context, index uint64, p uint8) ([]byte, error) {
	return l.readResource(layout.EntriesPath(index, p))
}
