package ledger

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/tlog"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/client"
)

// In cluster mode (Config.Cluster set; docs/cluster.md) several instances share one
// store, each with a log directory of its own:
//
//   - every instance appends every event of the store to its own tiles, in Seq order,
//     so that all build the same tree (leaf n-1 is event n);
//   - one instance at a time, the holder of the store's signer lock, signs a checkpoint
//     of its tree, has the witnesses cosign it, and stores it; it also marks events
//     logged;
//   - every instance serves the latest stored checkpoint once its own tiles cover it and
//     are consistent with it (a consistency proof from its own tiles to the stored
//     root), and never a checkpoint of its own;
//   - when the holder dies its session ends, the lock is free, and the next instance to
//     ask (every SignerPoll) takes it and continues from the stored checkpoint.
//
// Tessera signs each instance's own checkpoints (the file "checkpoint" in the log
// directory), which the instance uses only to learn its tree's root.

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

// localRoot returns the size and root of this instance's tree, as in its own latest
// checkpoint, or os.ErrNotExist before Tessera has written one.
func (l *Ledger) localRoot(ctx context.Context) (*tlog.Checkpoint, error) {
	raw, err := l.reader.ReadCheckpoint(ctx)
	if err != nil {
		return nil, err
	}
	cp, err := l.logOnly.VerifyCheckpoint(raw)
	if err != nil {
		return nil, integrityf("the log's own checkpoint does not verify: %v", err).with("checkpoint", raw)
	}
	return cp, nil
}

// consistent checks that the stored checkpoint sc is consistent with this instance's
// tree at local (local.Size >= the stored size), from its own tiles: an
// *IntegrityError if not.
func (l *Ledger) consistent(ctx context.Context, stored []byte, local *tlog.Checkpoint) error {
	sc, err := l.logOnly.VerifyCheckpoint(stored)
	if err != nil {
		return integrityf("a stored checkpoint does not verify with the log's key: %v", err).with("stored checkpoint", stored)
	}
	fail := func(why string) error {
		return integrityf("the stored checkpoint of size %d and this instance's tiles of size %d disagree: %s", sc.Size, local.Size, why).
			with("stored checkpoint", stored).with("this instance's checkpoint", local.Note)
	}
	switch {
	case sc.Size > local.Size:
		return fail("the tiles are smaller")
	case sc.Size == local.Size:
		if sc.Hash != local.Hash {
			return fail("other roots")
		}
		return nil
	case sc.Size == 0:
		return nil
	}
	pb, err := client.NewProofBuilder(ctx, local.Size, l.readTile)
	if err != nil {
		return fmt.Errorf("read the log's tiles: %w", err)
	}
	p, err := pb.ConsistencyProof(ctx, sc.Size, local.Size)
	if err != nil {
		return fmt.Errorf("consistency proof %d to %d: %w", sc.Size, local.Size, err)
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, sc.Size, local.Size, p, sc.Hash[:], local.Hash[:]); err != nil {
		return fail(err.Error())
	}
	return nil
}

// refresh makes the latest stored checkpoint the one served, once this instance's tiles
// cover it and are consistent with it. It returns an *IntegrityError if they are not.
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
	local, err := l.localRoot(ctx)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if local.Size < latest.Size {
		return nil // not yet
	}
	if err := l.consistent(ctx, latest.Note, local); err != nil {
		return err
	}
	l.served.Store(&servedCheckpoint{note: latest.Note, size: latest.Size})
	return nil
}

// awaitServed waits until this instance serves the latest stored checkpoint (or the
// store has none), so that an instance starts serving only tiles it has checked.
func (l *Ledger) awaitServed(ctx context.Context) error {
	latest, err := l.cfg.Cluster.LatestCheckpoint(ctx)
	if iltod.ErrorCodeOf(err) == iltod.ENotFound {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the stored checkpoint: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, l.cfg.StartTimeout)
	defer cancel()
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if err := l.refresh(ctx); err != nil {
			return err
		}
		if cur := l.served.Load(); cur != nil && cur.size >= latest.Size {
			return nil
		}
		if _, err := l.step(ctx); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the log's tiles do not reach the stored checkpoint of size %d: %w", latest.Size, ctx.Err())
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
		local, err := l.localRoot(ctx)
		switch {
		case errors.Is(err, os.ErrNotExist):
			err = nil
		case err == nil && known && local.Size <= published:
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
// has grown past the stored one (or none is stored), after checking the two consistent.
// It returns the size of the latest stored checkpoint.
func (l *Ledger) publishOnce(ctx context.Context, lock iltod.SignerLock) (uint64, error) {
	local, err := l.localRoot(ctx)
	if errors.Is(err, os.ErrNotExist) {
		return 0, lock.Alive(ctx)
	}
	if err != nil {
		return 0, err
	}
	last, err := l.cfg.Cluster.LatestCheckpoint(ctx)
	switch {
	case iltod.ErrorCodeOf(err) == iltod.ENotFound:
	case err != nil:
		return 0, fmt.Errorf("read the stored checkpoint: %w", err)
	case local.Size <= last.Size:
		return last.Size, lock.Alive(ctx)
	default:
		if err := l.consistent(ctx, last.Note, local); err != nil {
			return 0, err
		}
	}
	raw, err := l.publish(ctx, local.Size, local.Hash[:])
	if err != nil {
		return 0, fmt.Errorf("sign and witness the checkpoint of size %d: %w", local.Size, err)
	}
	cp, err := l.verifier.VerifyCheckpoint(raw)
	if err != nil {
		return 0, fmt.Errorf("the checkpoint of size %d: %w", local.Size, err)
	}
	if cp.Size != local.Size || cp.Hash != local.Hash {
		return 0, integrityf("signed a checkpoint of size %d for the tree of size %d", cp.Size, local.Size).with("checkpoint", raw)
	}
	err = lock.AddCheckpoint(ctx, iltod.StoredCheckpoint{Size: cp.Size, Note: raw, Signer: l.cfg.Instance, Time: time.Now().UTC()})
	return cp.Size, err
}
