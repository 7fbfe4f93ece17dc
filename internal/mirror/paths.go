package mirror

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/iltod/iltod/tlog"
	"github.com/transparency-dev/tessera/api/layout"
)

var tileIndexRe = regexp.MustCompile(`^(x[0-9]{3}/)*[0-9]{3}(\.p/[0-9]{1,3})?$`)

// Resource is one tlog-tiles resource named by its path.
type Resource struct {
	// Checkpoint is true for "checkpoint"; the other fields are then zero.
	Checkpoint bool
	// Entries is true for an entry bundle, false for a hash tile of Level.
	Entries bool
	Level   uint64
	Index   uint64
	// Width is the partial width, 0 for a full tile or bundle.
	Width uint8
}

// ParsePath reads the path of a tlog-tiles resource relative to the log's root, such as
// "checkpoint", "tile/0/x001/234.p/17" or "tile/entries/000": only the canonical path of
// the checkpoint, a hash tile or an entry bundle, as Tessera writes it, is accepted;
// anything else, such as "..", a leading zero missing, a width of 0 or above 255, or
// Tessera's private state, is an error.
func ParsePath(p string) (Resource, error) {
	if p == layout.CheckpointPath {
		return Resource{Checkpoint: true}, nil
	}
	bad := fmt.Errorf("not a tlog-tiles path: %q", p)
	rest, ok := strings.CutPrefix(p, "tile/")
	if !ok {
		return Resource{}, bad
	}
	level, index, ok := strings.Cut(rest, "/")
	if !ok || !tileIndexRe.MatchString(index) {
		return Resource{}, bad
	}
	i, w, err := layout.ParseTileIndexPartial(index)
	if err != nil {
		return Resource{}, bad
	}
	r := Resource{Index: i, Width: w}
	if level == "entries" {
		r.Entries = true
	} else {
		lv, err := strconv.ParseUint(level, 10, 8)
		if err != nil || lv > 63 {
			return Resource{}, bad
		}
		r.Level = lv
	}
	if r.Path() != p {
		return Resource{}, bad
	}
	return r, nil
}

// Path returns the resource's canonical path.
func (r Resource) Path() string {
	switch {
	case r.Checkpoint:
		return layout.CheckpointPath
	case r.Entries:
		return layout.EntriesPath(r.Index, r.Width)
	}
	return layout.TilePath(r.Level, r.Index, r.Width)
}

// localTiles reads the mirror's copy (a tlog.Tiles). A partial resource that it does
// not hold at the width asked is cut from the full one, or from a wider partial one,
// since the copy keeps every width it has served.
type localTiles struct{ root string }

var _ tlog.Tiles = localTiles{}

func (l localTiles) read(p string) ([]byte, error) {
	return os.ReadFile(filepath.Join(l.root, filepath.FromSlash(p)))
}

func (l localTiles) ReadCheckpoint(context.Context) ([]byte, error) {
	return l.read(layout.CheckpointPath)
}

func (l localTiles) ReadTile(_ context.Context, level, index uint64, p uint8) ([]byte, error) {
	b, err := l.wider(Resource{Level: level, Index: index, Width: p})
	if err != nil {
		return nil, err
	}
	if p > 0 && len(b) > int(p)*32 {
		b = b[:int(p)*32]
	}
	return b, nil
}

func (l localTiles) ReadEntryBundle(_ context.Context, index uint64, p uint8) ([]byte, error) {
	b, err := l.wider(Resource{Entries: true, Index: index, Width: p})
	if err != nil || p == 0 {
		return b, err
	}
	return trimBundle(b, int(p))
}

// wider reads r, or else the full resource, or else the narrowest partial one wider
// than r.
func (l localTiles) wider(r Resource) ([]byte, error) {
	b, err := l.read(r.Path())
	if err == nil || r.Width == 0 || !errors.Is(err, fs.ErrNotExist) {
		return b, err
	}
	full := r
	full.Width = 0
	if b, err := l.read(full.Path()); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return b, err
	}
	for w := int(r.Width) + 1; w < layout.TileWidth; w++ {
		wr := r
		wr.Width = uint8(w)
		if b, err := l.read(wr.Path()); err == nil || !errors.Is(err, fs.ErrNotExist) {
			return b, err
		}
	}
	return nil, err
}

// trimBundle returns the first n entries of the entry bundle b.
func trimBundle(b []byte, n int) ([]byte, error) {
	entries, err := tlog.SplitEntryBundle(b)
	if err != nil {
		return nil, err
	}
	if len(entries) < n {
		return nil, fmt.Errorf("entry bundle holds %d entries, not %d", len(entries), n)
	}
	size := 0
	for _, e := range entries[:n] {
		size += 2 + len(e)
	}
	return b[:size], nil
}
