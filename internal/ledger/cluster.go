package ledger

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/durable"
	"github.com/iltod/iltod/tlog"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/api/layout"
)

// In cluster mode (Config.Cluster set; docs/cluster.md) several instances share one
// store, each with a log directory of its own:
//
//   - every instance appends every event of the store to its own tiles, in Seq order,
//     so that all build the same tree (leaf n-1 is event n);
//   - one instance at a time, the holder of the store's signer lock, signs a checkpoint
//     of its tree, has the witnesses cosign it, and stores it; it also marks events
//     logged;
//   - every instance serves the latest stored checkpoint once its own tiles reach it
//     and give the same root, and writes it as the checkpoint of its log directory, so
//     that the directory is a complete tlog-tiles log with the witnessed checkpoint;
//   - when the holder dies its session ends, the lock is free, and the next instance to
//     ask (every SignerPoll) takes it and continues from the stored checkpoint.
//
// Tessera does not publish checkpoints in cluster mode (its checkpoint interval is
// never), except the empty one it writes when it creates a log directory.

// never is Tessera's checkpoint interval in cluster mode: it publishes only when the
// checkpoint file is older than that, and the ledger rewrites the file itself.
const never = 100 * 365 * 24 * time.Hour

// servedCheckpoint is the stored checkpoint an instance serves.
type servedCheckpoint struct {
	note []byte
	size uint64
}

// storeReader is the log reader Tessera's checkpoint publisher is given: its tiles are
// this instance's, its latest checkpoint the store's, which is what the witnesses have
// cosigned last.
type storeReader struct {
	tessera.LogReader
	l *Ledger
}

// ReadTile reads this instance's tiles as the handler serves them, so that a partial
// tile Tessera has since replaced by a wider one is still found.
func (r storeReader) ReadTile(ctx context.Context, level, index uint64, p uint8) ([]byte, error) {
	return r.l.readTile(ctx, level, index, p)
}

func (r storeReader) ReadCheckpoint(ctx context.Context) ([]byte, error) {
	cp, err := r.l.cfg.Cluster.LatestCheckpoint(ctx)
	if iltod.ErrorCodeOf(err) == iltod.ENotFound {
		return nil, os.ErrNotExist
	}
	if err != nil {
		return nil, err
	}
	return cp.Note, nil
}

// localTiles are this instance's tiles, read as the handler serves them.
type localTiles struct{ l *Ledger }

func (t localTiles) ReadCheckpoint(ctx context.Context) ([]byte, error) { return t.l.Checkpoint(ctx) }
func (t localTiles) ReadTile(ctx context.Context, level, index uint64, p uint8) ([]byte, error) {
	return t.l.readTile(ctx, level, index, p)
}
func (t localTiles) ReadEntryBundle(ctx context.Context, index uint64, p uint8) ([]byte, error) {
	return t.l.readEntryBundle(ctx, index, p)
}

// rootAt returns the root of this instance's tree at size, which its tiles must reach.
func (l *Ledger) rootAt(ctx context.Context, size uint64) ([32]byte, error) {
	root, err := tlog.TreeRoot(ctx, localTiles{l}, size)
	if err != nil {
		return root, fmt.Errorf("the log's root at size %d: %w", size, err)
	}
	return root, nil
}

// matches checks that the stored checkpoint is signed with the log's key and that this
// instance's tiles, which must reach its size, give its root: an *IntegrityError if
// they do not. It returns the checkpoint.
func (l *Ledger) matches(ctx context.Context, stored []byte) (*tlog.Checkpoint, error) {
	sc, err := l.logOnly.VerifyCheckpoint(stored)
	if err != nil {
		return nil, integrityf("a stored checkpoint does not verify with the log's key: %v", err).with("stored checkpoint", stored)
	}
	root, err := l.rootAt(ctx, sc.Size)
	if err != nil {
		return nil, err
	}
	if root != sc.Hash {
		return nil, integrityf("the stored checkpoint of size %d and this instance's tiles, built from the store's events, have other roots", sc.Size).
			with("stored checkpoint", stored).with("root of this instance's tiles", []byte(base64.StdEncoding.EncodeToString(root[:])+"\n"))
	}
	return sc, nil
}

// refresh makes the latest stored checkpoint the one served, once this instance's tiles
// reach it and give its root, and writes it as the checkpoint of the log directory. It
// returns an *IntegrityError if the tiles give another root.
func (l *Ledger) refresh(ctx context.Context) error {
	latest, err := l.cfg.Cluster.LatestCheckpoint(ctx)
	if iltod.ErrorCodeOf(err) == iltod.ENotFound {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the stored checkpoint: %w", err)
	}
	if cur := l.served.Load(); cur != nil && cur.size >= latest.Size {
		return nil
	}
	size, err := l.reader.IntegratedSize(ctx)
	if err != nil {
		return fmt.Errorf("read the log's size: %w", err)
	}
	if size < latest.Size {
		return nil // not yet
	}
	if _, err := l.matches(ctx, latest.Note); err != nil {
		return err
	}
	if err := durable.WriteFile(filepath.Join(l.cfg.Dir, layout.CheckpointPath), latest.Note, 0o644); err != nil {
		return fmt.Errorf("write the checkpoint: %w", err)
	}
	l.served.Store(&servedCheckpoint{note: latest.Note, size: latest.Size})
	return nil
}

// awaitServed waits until this instance serves a stored checkpoint that covers size
// (the latest stored, when size is 0), or the store has none: at start, so that an
// instance serves only tiles it has checked, and at Close, so that what it appended is
// covered.
func (l *Ledger) awaitServed(ctx context.Context, size uint64) error {
	if size == 0 {
		latest, err := l.cfg.Cluster.LatestCheckpoint(ctx)
		if iltod.ErrorCodeOf(err) == iltod.ENotFound {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read the stored checkpoint: %w", err)
		}
		size = latest.Size
	}
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if err := l.refresh(ctx); err != nil {
			return err
		}
		if cur := l.served.Load(); cur != nil && cur.size >= size {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no stored checkpoint covers the log's %d leaves: %w", size, ctx.Err())
		case <-t.C:
		}
	}
}

// Signing reports whether this instance holds the signer lock (always, without a
// cluster store).
func (l *Ledger) Signing() bool { return l.cfg.Cluster == nil || l.signing.Load() }

// leadTick is how often the signer looks at its own tree for growth; it asks the store
// only when the tree has grown, and checks the lock at least every leadAlive.
const (
	leadTick  = 50 * time.Millisecond
	leadAlive = time.Second
)

// lead takes the signer lock when it is free and, while it holds it, publishes a
// checkpoint whenever the tree has grown past the stored one, at most once per
// checkpoint interval.
func (l *Ledger) lead(ctx context.Context) {
	defer close(l.leadDone)
	var lock iltod.SignerLock
	release := func(why string, err error) {
		l.signing.Store(false)
		lock.Release()
		lock = nil
		l.log.Warn("this instance no longer signs the log's checkpoints", "why", why, "err", err)
	}
	defer func() {
		if lock == nil {
			return
		}
		// Close has stopped the sequencer and Tessera: publish what this instance
		// appended last, so that a single instance stops with its log covered.
		fctx, cancel := context.WithTimeout(context.Background(), l.cfg.ShutdownTimeout)
		defer cancel()
		if _, err := l.publishOnce(fctx, lock); err != nil {
			l.log.Warn("the last checkpoint was not published", "err", err)
		}
		l.signing.Store(false)
		lock.Release()
	}()
	t := time.NewTimer(0)
	defer t.Stop()
	failing := false
	// published is the size stored last as this instance saw it (known says whether
	// it has seen one since it took the lock).
	var published uint64
	var known bool
	var lastPublish, checked time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if lock == nil {
			lk, err := l.cfg.Cluster.TrySigner(ctx)
			if err != nil || lk == nil {
				if err != nil && ctx.Err() == nil && !failing {
					l.log.Warn("signer lock: will retry", "err", err)
					failing = true
				}
				t.Reset(l.cfg.SignerPoll)
				continue
			}
			lock, failing, known = lk, false, false
			l.signing.Store(true)
			l.log.Info("this instance signs the log's checkpoints", "instance", l.cfg.Instance)
			l.Notify() // mark what the last signer left unmarked
		}
		size, err := l.reader.IntegratedSize(ctx)
		switch {
		case err == nil && known && size <= published:
			// Nothing new; only check now and then that the lock still holds.
			if time.Since(checked) >= leadAlive {
				err, checked = lock.Alive(ctx), time.Now()
			}
			if err == nil {
				t.Reset(leadTick)
				continue
			}
		case err == nil && time.Since(lastPublish) < l.cfg.CheckpointInterval:
			t.Reset(l.cfg.CheckpointInterval - time.Since(lastPublish))
			continue
		}
		if err == nil {
			var size uint64
			size, err = l.publishOnce(ctx, lock)
			if err == nil {
				published, known, lastPublish, checked = size, true, time.Now(), time.Now()
			}
		}
		var ie *IntegrityError
		switch {
		case err == nil:
			if failing {
				l.log.Info("checkpoint publication recovered")
			}
			failing = false
		case ctx.Err() != nil:
			return
		case errors.As(err, &ie):
			l.setFatal(err)
			release("integrity", err)
			return
		default:
			if aerr := lock.Alive(ctx); aerr != nil {
				release("lock lost", aerr)
			} else if !failing {
				l.log.Warn("checkpoint publication: will retry", "err", err)
				failing = true
			}
		}
		if failing {
			t.Reset(l.cfg.CheckpointInterval) // do not hammer the witnesses
		} else {
			t.Reset(leadTick)
		}
	}
}

// publishOnce signs, has cosigned and stores a checkpoint of this instance's tree if it
// has grown past the stored one (or none is stored), after checking that its tiles give
// the stored one's root. It returns the size of the latest stored checkpoint.
func (l *Ledger) publishOnce(ctx context.Context, lock iltod.SignerLock) (uint64, error) {
	size, err := l.reader.IntegratedSize(ctx)
	if err != nil {
		return 0, fmt.Errorf("read the log's size: %w", err)
	}
	last, err := l.cfg.Cluster.LatestCheckpoint(ctx)
	switch {
	case iltod.ErrorCodeOf(err) == iltod.ENotFound:
	case err != nil:
		return 0, fmt.Errorf("read the stored checkpoint: %w", err)
	case size <= last.Size:
		return last.Size, lock.Alive(ctx)
	default:
		if _, err := l.matches(ctx, last.Note); err != nil {
			return 0, err
		}
	}
	root, err := l.rootAt(ctx, size)
	if err != nil {
		return 0, err
	}
	raw, err := l.publish(ctx, size, root[:])
	if err != nil {
		return 0, fmt.Errorf("sign and witness the checkpoint of size %d: %w", size, err)
	}
	cp, err := l.verifier.VerifyCheckpoint(raw)
	if err != nil {
		return 0, fmt.Errorf("the checkpoint of size %d: %w", size, err)
	}
	if cp.Size != size || cp.Hash != root {
		return 0, integrityf("signed a checkpoint of size %d for the tree of size %d", cp.Size, size).with("checkpoint", raw)
	}
	err = lock.AddCheckpoint(ctx, iltod.StoredCheckpoint{Size: cp.Size, Note: raw, Signer: l.cfg.Instance, Time: time.Now().UTC()})
	return cp.Size, err
}
