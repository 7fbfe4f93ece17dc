package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// maxPhotoReports bounds the reports PhotoReports returns.
const maxPhotoReports = 1000

// PutBlob stores b unless a blob with its SHA-256 is stored already; see iltod.BlobStore.
// It returns EInvalid, and stores nothing, when b.Data's SHA-256 is not b.SHA256 or b has
// no media type. It takes no event lock: a blob is no event.
func (s *Store) PutBlob(ctx context.Context, b iltod.Blob) error {
	if sha256.Sum256(b.Data) != b.SHA256 {
		return iltod.E(iltod.EInvalid, "error.blob.hash_mismatch", locales.Args{"SHA256": hex.EncodeToString(b.SHA256[:])})
	}
	if strings.TrimSpace(b.MediaType) == "" {
		return iltod.E(iltod.EInvalid, "error.blob.media_type", nil)
	}
	err := s.inTx(ctx, false, func(tx *tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO blobs (sha256, media_type, size, created, data)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING`,
			b.SHA256[:], b.MediaType, int64(len(b.Data)), formatTime(b.Created), nonNil(b.Data)); err != nil {
			return fmt.Errorf("store blob: %w", err)
		}
		return nil
	})
	return internal(wrap(err, "put blob"))
}

// Blob returns the blob named sha, or ENotFound.
func (s *Store) Blob(ctx context.Context, sha [32]byte) (iltod.Blob, error) {
	b := iltod.Blob{SHA256: sha}
	err := s.read.QueryRowContext(ctx, `SELECT media_type, created, data FROM blobs WHERE sha256 = $1`, sha[:]).
		Scan(&b.MediaType, timeOf(&b.Created), &b.Data)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return iltod.Blob{}, errNoBlob(sha)
	case err != nil:
		return iltod.Blob{}, internal(fmt.Errorf("read blob %x: %w", sha, err))
	}
	if b.Data == nil {
		b.Data = []byte{}
	}
	return b, nil
}

func errNoBlob(sha [32]byte) error {
	return iltod.E(iltod.ENotFound, "error.blob.none", locales.Args{"SHA256": hex.EncodeToString(sha[:])})
}

// HeldBlobs returns the blobs among shas that the store holds, without their data, in the
// order of shas, each once.
func (s *Store) HeldBlobs(ctx context.Context, shas [][32]byte) ([]iltod.Blob, error) {
	out := []iltod.Blob{}
	if len(shas) == 0 {
		return out, nil
	}
	held := map[[32]byte]iltod.Blob{}
	const chunk = 500
	for from := 0; from < len(shas); from += chunk {
		part := shas[from:min(from+chunk, len(shas))]
		marks, args := make([]string, len(part)), make([]any, len(part))
		for i := range part {
			marks[i], args[i] = "$"+strconv.Itoa(i+1), part[i][:]
		}
		rows, err := s.read.QueryContext(ctx, `SELECT sha256, media_type, created FROM blobs
			WHERE sha256 IN (`+strings.Join(marks, ", ")+`)`, args...)
		found, err := collect(rows, err, func(sc scanner) (b iltod.Blob, err error) {
			return b, sc.Scan((*hashCol)(&b.SHA256), &b.MediaType, timeOf(&b.Created))
		})
		if err != nil {
			return nil, internal(fmt.Errorf("look up blobs: %w", err))
		}
		for _, b := range found {
			held[b.SHA256] = b
		}
	}
	for _, sha := range shas {
		if b, ok := held[sha]; ok {
			out = append(out, b)
			delete(held, sha)
		}
	}
	return out, nil
}

// PhotoReports returns the accepted reports of election (of any election if "") whose
// answers name sha, in Seq order, at most 1000; see iltod.BlobStore. It returns ENotFound
// for an unknown election.
func (s *Store) PhotoReports(ctx context.Context, election string, sha [32]byte) ([]iltod.Submission, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+submissionCols+` FROM submissions WHERE seq IN (
		SELECT seq FROM report_photos WHERE sha256 = $1 AND (election = $2 OR $2 = '')) ORDER BY seq LIMIT $3`,
		sha[:], election, maxPhotoReports)
	out, err := collect(rows, err, scanSubmission)
	if err != nil {
		return nil, internal(fmt.Errorf("list reports naming photo %x: %w", sha, err))
	}
	if len(out) == 0 && election != "" {
		if err := electionExists(ctx, s.read, election); err != nil {
			return nil, internal(err)
		}
	}
	return out, nil
}

// photoRow is one row of report_photos.
type photoRow struct {
	election string
	sha      [32]byte
	seq      uint64
	tag      string
}

// photoRows returns the rows of report_photos for the answers of sub, stored with seq:
// one per answer that has the shape of a photo hash, in tag order.
func photoRows(out []photoRow, sub *iltod.Submission) []photoRow {
	start := len(out)
	for tag, v := range sub.Report.Answers {
		if v.Kind != iltod.Str {
			continue
		}
		if sha, ok := iltod.PhotoHash(v.Str); ok {
			out = append(out, photoRow{sub.Report.Election, sha, sub.Seq, tag})
		}
	}
	slices.SortFunc(out[start:], func(a, b photoRow) int { return strings.Compare(a.tag, b.tag) })
	return out
}

var photoInsertCols = []string{"election", "sha256", "seq", "tag"}
