package http

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The log page (/e/{election}/log): the transparency log's latest checkpoint — its size,
// root hash and the names of those who signed it — and how to verify the log and the
// published data (docs/log.md).

type pubLog struct {
	pubCommon
	Election, Site          string
	HasLog, HasCheckpoint   bool
	Origin, Size, Root, Raw string
	Signers                 []pubSigner
	Witnesses               string
	NoWitness               bool
}

// pubSigner is one signature line of the checkpoint: the signer's name and whether it is
// the log itself or a witness.
type pubSigner struct{ Name, Role string }

func (ps *publicSite) logPage(w http.ResponseWriter, r *http.Request) {
	pe, p, ok := ps.start(w, r, "log")
	if !ok {
		return
	}
	e := &pe.e
	site := ps.s.origin(r)
	ps.s.renderCached(w, r, "public_log", p, func(ctx context.Context, p *page) error {
		d := &pubLog{pubCommon: common(e, p.Lang, "log"), Election: e.ID, Site: site, HasLog: ps.s.tiles != nil}
		p.Data = d
		if !d.HasLog {
			return nil
		}
		text, err := ps.checkpoint(ctx)
		if err != nil {
			return err
		}
		if text == "" {
			return nil
		}
		cp, ok := parseCheckpoint(text)
		if !ok {
			return fmt.Errorf("the log's checkpoint is malformed")
		}
		d.HasCheckpoint = true
		d.Origin, d.Root, d.Raw = cp.origin, cp.root, text
		d.Size = formatCount(p.Lang, cp.size)
		witnesses := 0
		for _, name := range cp.signers {
			role := tr(p.Lang, "public.log_role_witness")
			if name == cp.origin {
				role = tr(p.Lang, "public.log_role_log")
			} else {
				witnesses++
			}
			d.Signers = append(d.Signers, pubSigner{Name: name, Role: role})
		}
		d.Witnesses = formatCount(p.Lang, int64(witnesses))
		d.NoWitness = witnesses == 0
		return nil
	})
}

// checkpoint reads the log's latest checkpoint through the log's handler, as a partner
// would over HTTP; "" if the log has none yet.
func (ps *publicSite) checkpoint(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "/checkpoint", nil)
	if err != nil {
		return "", err
	}
	rec := &bodyRecorder{header: http.Header{}}
	ps.s.tiles.ServeHTTP(rec, req)
	switch rec.status {
	case 0, http.StatusOK:
		return rec.body.String(), nil
	case http.StatusNotFound:
		return "", nil
	}
	return "", fmt.Errorf("read the log's checkpoint: status %d", rec.status)
}

// bodyRecorder is a ResponseWriter that keeps the status and the body.
type bodyRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (rec *bodyRecorder) Header() http.Header { return rec.header }
func (rec *bodyRecorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.body.Len()+len(b) > maxCheckpointBytes {
		return 0, fmt.Errorf("checkpoint too large")
	}
	return rec.body.Write(b)
}
func (rec *bodyRecorder) WriteHeader(status int) {
	if rec.status == 0 {
		rec.status = status
	}
}

// maxCheckpointBytes bounds a checkpoint read: a signed note is small.
const maxCheckpointBytes = 64 << 10

// checkpointInfo is what the page shows of a checkpoint (C2SP tlog-checkpoint as a
// signed note): origin, tree size, root hash, and the names on its signature lines.
type checkpointInfo struct {
	origin  string
	size    int64
	root    string
	signers []string
}

// parseCheckpoint reads a signed checkpoint's text without verifying it: the page shows
// what it says, and verifying is the reader's to do with iltod verify.
func parseCheckpoint(text string) (checkpointInfo, bool) {
	var cp checkpointInfo
	if !utf8.ValidString(text) {
		return cp, false
	}
	body, sigs, found := strings.Cut(text, "\n\n")
	if !found {
		return cp, false
	}
	lines := strings.Split(body, "\n")
	if len(lines) < 3 || lines[0] == "" {
		return cp, false
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		return cp, false
	}
	cp.origin, cp.size, cp.root = lines[0], size, lines[2]
	for _, line := range strings.Split(sigs, "\n") {
		rest, ok := strings.CutPrefix(line, "— ")
		if !ok {
			continue
		}
		name, _, ok := strings.Cut(rest, " ")
		if ok && name != "" {
			cp.signers = append(cp.signers, name)
		}
	}
	return cp, len(cp.signers) > 0
}
