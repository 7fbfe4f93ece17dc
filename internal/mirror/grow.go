package mirror

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"

	"github.com/iltod/iltod/internal/durable"
	"github.com/iltod/iltod/tlog"
)

// grow extends the copy from the tree of size from (the held checkpoint's) to cp: it
// fetches the entry bundles holding leaves from..cp.Size-1, checks that the leaves
// before from are the ones held, recomputes the tree with the new leaves and writes the
// hash tiles it computes and the bundles into a staging directory. Only if the root is
// cp's does it move them into the copy and then write cp as the copy's checkpoint. A
// root that differs wraps errMismatch; the copy is then unchanged.
func (m *Mirror) grow(ctx context.Context, from uint64, cp *tlog.Checkpoint) error {
	stage := filepath.Join(m.cfg.Dir, stageDir)
	if err := os.RemoveAll(stage); err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	put := func(p string, b []byte) error {
		f := filepath.Join(stage, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			return err
		}
		return os.WriteFile(f, b, 0o644)
	}

	rf := compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	rng := rf.NewEmptyRange(0)
	if from > 0 {
		nodes, err := client.FetchRangeNodes(ctx, from, m.local.ReadTile)
		if err != nil {
			return fmt.Errorf("read the held tiles: %w", err)
		}
		if rng, err = rf.NewRange(0, from, nodes); err != nil {
			return fmt.Errorf("the held tiles: %w", err)
		}
	}
	// The hash tiles being filled, one per tile level: the nodes of the held partial
	// tile, then the new ones as the range creates them.
	levels := 0
	for cp.Size>>(layout.TileHeight*levels) > 0 {
		levels++
	}
	cur := make([][]byte, levels)
	idx := make([]uint64, levels)
	for l := range levels {
		count := from >> (layout.TileHeight * l)
		idx[l] = count / layout.TileWidth
		if w := count % layout.TileWidth; w > 0 {
			b, err := m.local.ReadTile(ctx, uint64(l), idx[l], uint8(w))
			if err != nil {
				return fmt.Errorf("read the held tiles: %w", err)
			}
			if len(b) != int(w)*32 {
				return fmt.Errorf("the held tile %s has %d bytes", layout.TilePath(uint64(l), idx[l], uint8(w)), len(b))
			}
			cur[l] = b
		}
	}
	var visitErr error
	visit := func(id compact.NodeID, h []byte) {
		if id.Level%layout.TileHeight != 0 || visitErr != nil {
			return
		}
		l := int(id.Level / layout.TileHeight)
		if l >= levels || id.Index != idx[l]*layout.TileWidth+uint64(len(cur[l])/32) {
			visitErr = fmt.Errorf("node %d at level %d out of order", id.Index, id.Level)
			return
		}
		cur[l] = append(cur[l], h...)
		if len(cur[l]) == layout.TileWidth*32 {
			visitErr = put(layout.TilePath(uint64(l), idx[l], 0), cur[l])
			idx[l]++
			cur[l] = nil
		}
	}

	for ri := range layout.Range(from, cp.Size-from, cp.Size) {
		b, err := m.bundle(ctx, ri.Index, ri.Partial)
		if err != nil {
			return err
		}
		entries, err := tlog.SplitEntryBundle(b)
		if err != nil {
			return fmt.Errorf("%w: entry bundle %d: %v", errMismatch, ri.Index, err)
		}
		want := int(ri.Partial)
		if want == 0 {
			want = layout.EntryBundleWidth
		}
		if len(entries) != want {
			return fmt.Errorf("%w: entry bundle %d holds %d entries, not %d", errMismatch, ri.Index, len(entries), want)
		}
		if ri.First > 0 {
			old, err := m.local.ReadEntryBundle(ctx, ri.Index, uint8(ri.First))
			if err != nil {
				return fmt.Errorf("read the held entry bundle %d: %w", ri.Index, err)
			}
			if !bytes.HasPrefix(b, old) {
				return fmt.Errorf("%w: entry bundle %d changes leaves the mirror holds", errMismatch, ri.Index)
			}
		}
		for _, e := range entries[ri.First:] {
			if err := rng.Append(rfc6962.DefaultHasher.HashLeaf(e), visit); err != nil {
				return err
			}
		}
		if visitErr != nil {
			return visitErr
		}
		if err := put(layout.EntriesPath(ri.Index, ri.Partial), b); err != nil {
			return err
		}
	}
	root, err := rng.GetRootHash(nil)
	if err != nil {
		return err
	}
	if root == nil {
		root = rfc6962.DefaultHasher.EmptyRoot()
	}
	if !bytes.Equal(root, cp.Hash[:]) {
		return fmt.Errorf("%w: the leaves give root %x at size %d, the checkpoint says %x", errMismatch, root, cp.Size, cp.Hash)
	}
	for l := range levels {
		if len(cur[l]) > 0 {
			if err := put(layout.TilePath(uint64(l), idx[l], uint8(len(cur[l])/32)), cur[l]); err != nil {
				return err
			}
		}
	}
	if err := m.commit(stage); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(m.cfg.Dir, LogDir, layout.CheckpointPath), cp.Note); err != nil {
		return err
	}
	m.mu.Lock()
	m.held = cp
	m.mu.Unlock()
	m.log.Info("mirrored checkpoint", "origin", m.Origin(), "size", cp.Size)
	return nil
}

// commit moves the verified files of stage into the copy, syncing each. A file the copy
// already holds with the same bytes stays (a tile of the same width in one tree is the
// same tile); one with other bytes can only be left beyond the held checkpoint by a
// growth that a crash cut short, toward a checkpoint that was then not taken, and is
// replaced.
func (m *Mirror) commit(stage string) error {
	dst := filepath.Join(m.cfg.Dir, LogDir)
	dirs := map[string]bool{}
	err := filepath.WalkDir(stage, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(stage, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if old, err := os.ReadFile(to); err == nil {
			b, err := os.ReadFile(p)
			if err != nil || bytes.Equal(old, b) {
				return err
			}
			m.log.Warn("replace a file beyond the held checkpoint", "path", filepath.ToSlash(rel))
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		dirs[filepath.Dir(to)] = true
		return os.Rename(p, to)
	})
	if err != nil {
		return err
	}
	for d := range dirs {
		if err := durable.SyncDir(d); err != nil {
			return err
		}
	}
	return nil
}

// bundle fetches the origin's entry bundle index of width p (0: full); a partial one
// the origin no longer holds is cut from the full one.
func (m *Mirror) bundle(ctx context.Context, index uint64, p uint8) ([]byte, error) {
	u := m.base.JoinPath("log", layout.EntriesPath(index, p)).String()
	b, err := m.get(ctx, u, tlog.MaxEntryBundle)
	if p == 0 || !errors.Is(err, os.ErrNotExist) {
		return b, err
	}
	full, err := m.get(ctx, m.base.JoinPath("log", layout.EntriesPath(index, 0)).String(), tlog.MaxEntryBundle)
	if err != nil {
		return nil, err
	}
	return trimBundle(full, int(p))
}
