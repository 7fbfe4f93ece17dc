package tlog

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/client"
)

// Tiles reads a log's tlog-tiles resources (c2sp.org/tlog-tiles): its tiles, entry
// bundles and checkpoint. Reading a partial resource that no longer exists falls back
// to the full one; a missing resource is an error that wraps os.ErrNotExist.
// OpenTiles returns one for a directory or an http(s) URL.
type Tiles interface {
	ReadCheckpoint(ctx context.Context) ([]byte, error)
	ReadTile(ctx context.Context, level, index uint64, p uint8) ([]byte, error)
	ReadEntryBundle(ctx context.Context, index uint64, p uint8) ([]byte, error)
}

// OpenTiles returns the Tiles at loc: an http:// or https:// base URL (such as
// https://example.org/log/) read with c (http.DefaultClient when nil), or else a
// directory in the tlog-tiles layout, such as a mirror's copy or a dataset's log/.
func OpenTiles(loc string, c *http.Client) (Tiles, error) {
	if strings.HasPrefix(loc, "http://") || strings.HasPrefix(loc, "https://") {
		u, err := url.Parse(loc)
		if err != nil {
			return nil, fmt.Errorf("log URL %q: %v", loc, err)
		}
		return client.NewHTTPFetcher(u, c)
	}
	return client.FileFetcher{Root: loc}, nil
}

// TreeRoot computes the root hash of the first size leaves of the log in t from its
// tiles (the nodes of the compact range [0, size)).
func TreeRoot(ctx context.Context, t Tiles, size uint64) ([32]byte, error) {
	if size == 0 {
		return [32]byte(rfc6962.DefaultHasher.EmptyRoot()), nil
	}
	nodes, err := client.FetchRangeNodes(ctx, size, t.ReadTile)
	if err != nil {
		return [32]byte{}, fmt.Errorf("read the tiles of a tree of size %d: %w", size, err)
	}
	rf := compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	r, err := rf.NewRange(0, size, nodes)
	if err != nil {
		return [32]byte{}, fmt.Errorf("tiles of a tree of size %d: %w", size, err)
	}
	root, err := r.GetRootHash(nil)
	if err != nil {
		return [32]byte{}, err
	}
	return [32]byte(root), nil
}

// Consistency is what VerifyConsistency established: the log grew from Old to New
// without changing what Old committed to.
type Consistency struct {
	Old, New *Checkpoint
	// Proof is the consistency proof that was checked.
	Proof [][]byte
}

// VerifyConsistency checks that the checkpoint newer extends older: both verify (see
// VerifyCheckpoint), older is not larger, and a consistency proof built from the
// tiles t at newer's size leads from older's root to newer's. It first checks that the
// tiles hold newer's tree, so that a failure of the proof shows that the log signed two
// trees that are not one append-only history (a fork); the error then carries both
// checkpoints and the proof. A failure to read the tiles is returned as is.
func (v *Verifier) VerifyConsistency(ctx context.Context, older, newer []byte, t Tiles) (*Consistency, error) {
	o, err := v.VerifyCheckpoint(older)
	if err != nil {
		return nil, fmt.Errorf("old checkpoint: %w", err)
	}
	n, err := v.VerifyCheckpoint(newer)
	if err != nil {
		return nil, fmt.Errorf("new checkpoint: %w", err)
	}
	if o.Size > n.Size {
		return nil, failf(FailMalformed, "the old checkpoint (size %d) is larger than the new one (size %d)", o.Size, n.Size)
	}
	root, err := TreeRoot(ctx, t, n.Size)
	if err != nil {
		return nil, err
	}
	if root != n.Hash {
		return nil, failf(FailConsistency, "the tiles hold a tree of size %d with root %x, not the new checkpoint's %x", n.Size, root, n.Hash).
			with("new checkpoint", newer)
	}
	var p [][]byte
	if o.Size > 0 && o.Size < n.Size {
		pb, err := client.NewProofBuilder(ctx, n.Size, t.ReadTile)
		if err != nil {
			return nil, fmt.Errorf("read the tiles: %w", err)
		}
		if p, err = pb.ConsistencyProof(ctx, o.Size, n.Size); err != nil {
			return nil, fmt.Errorf("build the consistency proof from the tiles: %w", err)
		}
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, o.Size, n.Size, p, o.Hash[:], n.Hash[:]); err != nil {
		return nil, failf(FailConsistency, "the log forked: its checkpoint of size %d is not a prefix of its checkpoint of size %d", o.Size, n.Size).
			wrap(err).with("old checkpoint", older).with("new checkpoint", newer).with("consistency proof", hashLines(p))
	}
	return &Consistency{Old: o, New: n, Proof: p}, nil
}

func hashLines(hs [][]byte) []byte {
	var b bytes.Buffer
	for _, h := range hs {
		b.WriteString(b64(h))
		b.WriteByte('\n')
	}
	return b.Bytes()
}
