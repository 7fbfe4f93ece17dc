package mirror

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/iltod/iltod"
	iltodhttp "github.com/iltod/iltod/internal/http"
)

// The relay's directories under Config.Dir/relay: an envelope waits in queue/ as
// <sha256>.env (its canonical bytes) until the origin answers; the origin's receipt is
// then kept in sent/<sha256>.json, or its refusal in refused/<sha256>.json, and the
// full receipts the mirror proxied in proofs/.
const (
	queueDir   = "queue"
	sentDir    = "sent"
	refusedDir = "refused"
	proofsDir  = "proofs"
)

// forwardBatch bounds the envelopes of one forward.
const forwardBatch = 100

// relay queues envelopes on disk and forwards them to the origin.
type relay struct {
	m    *Mirror
	dir  string
	wake chan struct{}

	mu     sync.Mutex // guards the counts and the moves in and out of the queue
	queued int
	perKey map[string]int // queued envelopes by device key id
	keyOf  map[string]string
}

// MaxPerDevice bounds the envelopes of one device key waiting in the relay. A relay
// cannot tell an enrolled key from a made-up one, so this only stops one key from
// filling the queue; Config.MaxQueue bounds the whole.
const MaxPerDevice = 2000

func openRelay(m *Mirror) (*relay, error) {
	r := &relay{m: m, dir: filepath.Join(m.cfg.Dir, RelayDir), wake: make(chan struct{}, 1),
		perKey: map[string]int{}, keyOf: map[string]string{}}
	for _, d := range []string{queueDir, sentDir, refusedDir, proofsDir} {
		if err := os.MkdirAll(filepath.Join(r.dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	names, err := r.pending()
	if err != nil {
		return nil, err
	}
	r.queued = len(names)
	for _, h := range names {
		b, err := os.ReadFile(r.file(StateQueued, h))
		if err != nil {
			return nil, err
		}
		if env, err := iltod.ParseEnvelope(b); err == nil {
			r.count(h, iltod.KeyID(env.Key))
		}
	}
	return r, nil
}

// RelayState is what the relay knows of one envelope.
type RelayState string

// The states of an envelope in the relay.
const (
	StateQueued  RelayState = "queued"  // waiting for the origin
	StateSent    RelayState = "sent"    // the origin gave a receipt
	StateRefused RelayState = "refused" // the origin refused it
	StateNone    RelayState = ""        // the relay never had it
)

func (r *relay) file(state RelayState, hash string) string {
	switch state {
	case StateQueued:
		return filepath.Join(r.dir, queueDir, hash+".env")
	case StateSent:
		return filepath.Join(r.dir, sentDir, hash+".json")
	}
	return filepath.Join(r.dir, refusedDir, hash+".json")
}

// state says where the envelope with the hex SHA-256 hash is, and returns the origin's
// stored answer for a sent or refused one.
func (r *relay) state(hash string) (RelayState, []byte, error) {
	for _, s := range []RelayState{StateSent, StateRefused, StateQueued} {
		b, err := os.ReadFile(r.file(s, hash))
		if err == nil {
			return s, b, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return StateNone, nil, err
		}
	}
	return StateNone, nil, nil
}

// count records that the queued envelope hash is by the device key keyID; r.mu must be
// held, or r not yet shared.
func (r *relay) count(hash, keyID string) {
	r.perKey[keyID]++
	r.keyOf[hash] = keyID
}

// uncount forgets a queued envelope that left the queue; r.mu must be held.
func (r *relay) uncount(hash string) {
	if k, ok := r.keyOf[hash]; ok {
		delete(r.keyOf, hash)
		if r.perKey[k]--; r.perKey[k] <= 0 {
			delete(r.perKey, k)
		}
	}
}

// enqueue keeps the envelope of the device key keyID durably until the origin answers.
// It returns false with no error when the queue, or the device's share of it, is full.
func (r *relay) enqueue(hash, keyID string, envelope []byte) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := os.Stat(r.file(StateQueued, hash)); err == nil {
		return true, nil
	}
	if r.queued >= r.m.cfg.MaxQueue || r.perKey[keyID] >= MaxPerDevice {
		return false, nil
	}
	if err := writeFileAtomic(r.file(StateQueued, hash), envelope); err != nil {
		return false, err
	}
	r.queued++
	r.count(hash, keyID)
	select {
	case r.wake <- struct{}{}:
	default:
	}
	return true, nil
}

// pending lists the queued envelopes' hashes, oldest first.
func (r *relay) pending() ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(r.dir, queueDir))
	if err != nil {
		return nil, err
	}
	type item struct {
		hash string
		t    time.Time
	}
	var items []item
	for _, e := range ents {
		h, ok := strings.CutSuffix(e.Name(), ".env")
		if !ok || !isHash(h) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		items = append(items, item{h, fi.ModTime()})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].t.Before(items[j].t) })
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.hash
	}
	return out, nil
}

func isHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// counts returns how many envelopes are queued, sent and refused.
func (r *relay) counts() (queued, sent, refused int) {
	n := func(d string) int {
		ents, _ := os.ReadDir(filepath.Join(r.dir, d))
		return len(ents)
	}
	r.mu.Lock()
	queued = r.queued
	r.mu.Unlock()
	return queued, n(sentDir), n(refusedDir)
}

// run forwards the queue until ctx is done, waiting after a failure from 1 s, doubling
// up to MaxBackoff, with jitter.
func (r *relay) run(ctx context.Context) {
	wait := time.Second
	for ctx.Err() == nil {
		n, err := r.forwardOnce(ctx)
		var pause time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return
			}
			r.m.log.Warn("relay: forward to the origin", "origin", r.m.Origin(), "err", err, "retry_in", wait.String())
			pause = jitter(wait)
			wait = min(2*wait, r.m.cfg.MaxBackoff)
		case n > 0:
			wait = time.Second
			continue
		default:
			wait = time.Second
			pause = 5 * time.Second
		}
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
			if err != nil {
				// A new envelope does not make a failing origin answer sooner.
				select {
				case <-ctx.Done():
					return
				case <-time.After(pause):
				}
			}
		case <-time.After(pause):
		}
	}
}

// forwardOnce sends up to forwardBatch queued envelopes to the origin in one request
// and files its answers. It returns how many envelopes left the queue. The envelopes are
// sent as they were queued, without checking them again: the origin is the judge, and
// refuses one that was altered (its device signature does not verify).
func (r *relay) forwardOnce(ctx context.Context) (int, error) {
	hashes, err := r.pending()
	if err != nil || len(hashes) == 0 {
		return 0, err
	}
	if len(hashes) > forwardBatch {
		hashes = hashes[:forwardBatch]
	}
	var envs []json.RawMessage
	var sent []string
	for _, h := range hashes {
		b, err := os.ReadFile(r.file(StateQueued, h))
		if err != nil {
			return 0, err
		}
		if !json.Valid(b) {
			// Damaged on disk: the origin could only refuse it.
			r.file1(h, StateRefused, refusal(http.StatusBadRequest, iltod.EInvalid, "error.envelope_not_json"))
			continue
		}
		envs = append(envs, b)
		sent = append(sent, h)
	}
	if len(envs) == 0 {
		return len(hashes), nil
	}
	body, err := json.Marshal(map[string]any{"envelopes": envs})
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.m.base.JoinPath("api", "v1", "reports").String(), bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.m.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	answer, err := readAll(resp.Body, 64<<20)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("the origin answered %s", resp.Status)
	}
	results, err := ParseResults(answer, len(envs))
	if err != nil {
		return 0, err
	}
	moved := len(hashes) - len(sent)
	for i, res := range results {
		switch {
		case res.Receipt != nil:
			b, _ := json.Marshal(map[string]json.RawMessage{"receipt": res.Receipt})
			r.file1(sent[i], StateSent, b)
			moved++
		case transient(res.Error.Code):
			// Left in the queue for the next forward.
		default:
			r.m.log.Warn("relay: the origin refused an envelope", "envelope_sha256", sent[i], "code", res.Error.Code)
			b, _ := json.Marshal(storedRefusal{Status: iltodhttp.StatusOf(res.Error.Code), Body: json.RawMessage(mustJSON(map[string]any{"error": res.Error}))})
			r.file1(sent[i], StateRefused, b)
			moved++
		}
	}
	return moved, nil
}

// file1 records the origin's answer for a queued envelope and takes it out of the
// queue, answer first, so a crash between the two leaves it answered and queued, which
// the next forward sends again and the origin answers the same way.
func (r *relay) file1(hash string, state RelayState, answer []byte) {
	if err := writeFileAtomic(r.file(state, hash), answer); err != nil {
		r.m.log.Error("relay: keep the origin's answer", "envelope_sha256", hash, "err", err)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := os.Remove(r.file(StateQueued, hash)); err == nil {
		r.queued--
		r.uncount(hash)
	}
}

// storedRefusal is the origin's refusal of an envelope as the relay keeps and repeats it.
type storedRefusal struct {
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body"`
}

func refusal(status int, code iltod.ErrorCode, key string) []byte {
	body := mustJSON(map[string]any{"error": map[string]any{"code": code, "message": iltod.ErrorMessageIn(iltod.E(code, key, nil), "en")}})
	return mustJSON(storedRefusal{Status: status, Body: body})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// transient says whether an error the origin gave for one envelope may pass: then the
// envelope is sent again later. EUnavailable is the origin's storage failing (its disk
// full, its database restarting): nothing was stored, so the envelope must be sent again.
func transient(code iltod.ErrorCode) bool {
	return code == iltod.EInternal || code == iltod.ERateLimited || code == iltod.EUnavailable || code == ""
}

// OriginResult is the origin's answer for one envelope of a batch: a receipt (kept as
// the origin wrote it) or an error.
type OriginResult struct {
	Receipt json.RawMessage `json:"receipt,omitempty"`
	Error   *OriginError    `json:"error,omitempty"`
}

// OriginError is an API error: {"code":…,"message":…}.
type OriginError struct {
	Code    iltod.ErrorCode `json:"code"`
	Message string          `json:"message"`
}

// ParseResults reads the origin's answer to a batch of n envelopes, {"results":[…]}:
// exactly n results, each with a receipt object holding the report's id, or an error
// with a code, and not both.
func ParseResults(b []byte, n int) ([]OriginResult, error) {
	var out struct {
		Results []OriginResult `json:"results"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("the origin's answer is not JSON: %v", err)
	}
	if len(out.Results) != n {
		return nil, fmt.Errorf("the origin answered %d results for %d envelopes", len(out.Results), n)
	}
	for i, r := range out.Results {
		switch {
		case (r.Receipt == nil) == (r.Error == nil):
			return nil, fmt.Errorf("result %d: want a receipt or an error", i)
		case r.Error != nil && r.Error.Code == "":
			return nil, fmt.Errorf("result %d: an error without a code", i)
		case r.Receipt != nil:
			var rc struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(r.Receipt, &rc); err != nil || rc.ID == "" {
				return nil, fmt.Errorf("result %d: the receipt is not an object with an id", i)
			}
		}
	}
	return out.Results, nil
}
