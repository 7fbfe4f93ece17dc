package tlog_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/tlog"
)

func failure(err error) tlog.Failure {
	var e *tlog.Error
	if errors.As(err, &e) {
		return e.Failure
	}
	return ""
}

func TestLeaf(t *testing.T) {
	ev := iltod.Event{Seq: 42, Election: "mn-2024-sgk", Kind: iltod.EventReport, Hash: [32]byte{0xab, 0x01}}
	leaf := tlog.Leaf(ev)
	want := `{"e":"mn-2024-sgk","h":"ab01000000000000000000000000000000000000000000000000000000000000","n":42,"t":"report"}`
	if string(leaf) != want {
		t.Fatalf("Leaf = %s\nwant %s", leaf, want)
	}
	l, err := tlog.ParseLeaf(leaf)
	if err != nil || l.Seq != 42 || l.Election != ev.Election || l.Hash != ev.Hash || l.Kind != ev.Kind {
		t.Fatalf("ParseLeaf = %+v, %v", l, err)
	}
	for _, bad := range []string{
		``, `{}`, `{"e":"mn","h":"ab","n":1,"t":"report"}`,
		strings.Replace(want, `"n":42`, `"n":0`, 1),
		strings.Replace(want, `"n":42`, `"n":042`, 1),
		strings.Replace(want, `"n":42`, `"n":9007199254740992`, 1),
		strings.Replace(want, `"ab01`, `"AB01`, 1),
		strings.Replace(want, `mn-2024-sgk`, `MN`, 1),
		strings.Replace(want, `report`, `Report`, 1),
		strings.Replace(want, `,"t"`, ` ,"t"`, 1),
		strings.Replace(want, `}`, `,"x":1}`, 1),
		`{"h":"ab01000000000000000000000000000000000000000000000000000000000000","e":"mn","n":1,"t":"report"}`,
		want + "\n",
	} {
		if _, err := tlog.ParseLeaf([]byte(bad)); err == nil {
			t.Errorf("ParseLeaf(%s) accepted", bad)
		}
	}
}

// receiptFixture is a log with reports, staff events, a witness policy and cosigned
// checkpoints.
type receiptFixture struct {
	tl       *testLog
	w1, w2   cosigner
	policy   []byte
	receipt  []byte // of seq 2, cosigned by w1 and w2
	envelope []byte
}

func newReceiptFixture(t *testing.T) *receiptFixture {
	tl := newTestLog(t, "")
	f := &receiptFixture{tl: tl, w1: newCosigner(t, "w1.example/witness"), w2: newCosigner(t, "w2.example/witness")}
	f.policy = fmt.Appendf(nil, "log %s\nwitness a %s\nwitness b %s\ngroup both all a b\nquorum both\n", tl.vkey, f.w1.vkey, f.w2.vkey)
	tl.report("mn-2024", envelopeBytes(1))
	f.envelope = envelopeBytes(2)
	tl.report("mn-2024", f.envelope)
	tl.staff("mn-2024")
	tl.report("mn-2024", envelopeBytes(4))
	r := tl.receipt(4)
	rec, err := tlog.ParseReceipt(tl.receipt(2))
	if err != nil {
		t.Fatal(err)
	}
	_ = r
	rec.Checkpoint = cosign(t, rec.Checkpoint, tl.vkey, f.w1, f.w2)
	f.receipt = rec.Marshal()
	return f
}

func TestVerifyReceipt(t *testing.T) {
	f := newReceiptFixture(t)
	v := mustVerifier(t, f.tl.vkey, f.policy)
	got, err := v.VerifyEnvelope(f.envelope, f.receipt)
	if err != nil {
		t.Fatalf("VerifyEnvelope: %v", err)
	}
	if !got.Included || got.Index != 1 || got.Leaf.Seq != 2 || len(got.Checkpoint.Cosigners) != 2 {
		t.Fatalf("verified %+v", got)
	}
	if _, err := v.VerifyEnvelope(f.envelope, f.tl.promise(2)); err != nil {
		t.Fatalf("VerifyEnvelope(promise): %v", err)
	}

	rec, _ := tlog.ParseReceipt(f.receipt)
	alter := func(fn func(r *tlog.Receipt)) []byte {
		c := *rec
		c.Proof = append([][32]byte(nil), rec.Proof...)
		c.Leaf = append([]byte(nil), rec.Leaf...)
		c.Checkpoint = append([]byte(nil), rec.Checkpoint...)
		fn(&c)
		return c.Marshal()
	}
	other := mustVerifier(t, newTestLog(t, "").vkey, nil)
	flipped := append([]byte(nil), f.envelope...)
	flipped[10] ^= 1
	staffReceipt := f.tl.receipt(3)

	cases := []struct {
		name     string
		v        *tlog.Verifier
		envelope []byte
		receipt  []byte
		want     tlog.Failure
	}{
		{"envelope byte flipped", v, flipped, f.receipt, tlog.FailLeaf},
		{"another report's envelope", v, envelopeBytes(1), f.receipt, tlog.FailLeaf},
		{"a staff event's receipt", mustVerifier(t, f.tl.vkey, nil), nil, staffReceipt, tlog.FailLeaf},
		{"proof hash byte flipped", v, f.envelope, alter(func(r *tlog.Receipt) { r.Proof[0][3] ^= 0x40 }), tlog.FailInclusion},
		{"proof hash dropped", v, f.envelope, alter(func(r *tlog.Receipt) { r.Proof = r.Proof[1:] }), tlog.FailInclusion},
		{"index changed", v, f.envelope, alter(func(r *tlog.Receipt) { r.Index = 2 }), tlog.FailInclusion},
		{"leaf changed", v, f.envelope, alter(func(r *tlog.Receipt) { r.Leaf = bytes.Replace(r.Leaf, []byte(`"n":2`), []byte(`"n":3`), 1) }), tlog.FailInclusion},
		{"checkpoint root changed", v, f.envelope, alter(func(r *tlog.Receipt) { r.Checkpoint = flipRoot(r.Checkpoint) }), tlog.FailSignature},
		{"checkpoint size changed", v, f.envelope, alter(func(r *tlog.Receipt) {
			r.Checkpoint = bytes.Replace(r.Checkpoint, []byte("\n4\n"), []byte("\n5\n"), 1)
		}), tlog.FailSignature},
		{"cosignature dropped below quorum", v, f.envelope, alter(func(r *tlog.Receipt) { r.Checkpoint = dropLine(r.Checkpoint, "— w2.example") }), tlog.FailQuorum},
		{"cosignature byte flipped", v, f.envelope, alter(func(r *tlog.Receipt) { r.Checkpoint = flipSig(r.Checkpoint, "— w1.example") }), tlog.FailSignature},
		{"log signature dropped", v, f.envelope, alter(func(r *tlog.Receipt) { r.Checkpoint = dropLine(r.Checkpoint, "— "+origin) }), tlog.FailSignature},
		{"wrong log key", other, f.envelope, f.receipt, tlog.FailSignature},
		{"promise of another key", other, f.envelope, f.tl.promise(2), tlog.FailSignature},
		{"promise altered", v, f.envelope, bytes.Replace(f.tl.promise(2), []byte("seq 2"), []byte("seq 3"), 1), tlog.FailSignature},
		{"not a receipt", v, f.envelope, []byte("hello\n"), tlog.FailMalformed},
		{"receipt not canonical", v, f.envelope, bytes.Replace(f.receipt, []byte("index 1"), []byte("index 01"), 1), tlog.FailMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.v.VerifyEnvelope(c.envelope, c.receipt)
			if failure(err) != c.want {
				t.Fatalf("got %v, want a %s failure", err, c.want)
			}
			var e *tlog.Error
			errors.As(err, &e)
			if c.want != tlog.FailMalformed && len(e.Evidence) == 0 {
				t.Errorf("an integrity failure without evidence: %v", err)
			}
		})
	}
}

func flipRoot(cp []byte) []byte {
	lines := strings.SplitN(string(cp), "\n", 4)
	h, _ := base64.StdEncoding.DecodeString(lines[2])
	h[0] ^= 1
	lines[2] = base64.StdEncoding.EncodeToString(h)
	return []byte(strings.Join(lines, "\n"))
}

func dropLine(b []byte, prefix string) []byte {
	var out []byte
	for _, l := range bytes.SplitAfter(b, []byte("\n")) {
		if !bytes.HasPrefix(l, []byte(prefix)) {
			out = append(out, l...)
		}
	}
	return out
}

func flipSig(b []byte, prefix string) []byte {
	var out []byte
	for _, l := range bytes.SplitAfter(b, []byte("\n")) {
		if bytes.HasPrefix(l, []byte(prefix)) {
			f := strings.Fields(string(l))
			sig, _ := base64.StdEncoding.DecodeString(f[2])
			sig[len(sig)-1] ^= 1
			l = []byte(f[0] + " " + f[1] + " " + base64.StdEncoding.EncodeToString(sig) + "\n")
		}
		out = append(out, l...)
	}
	return out
}

func TestPolicy(t *testing.T) {
	w := []cosigner{newCosigner(t, "x1.example"), newCosigner(t, "x2.example"), newCosigner(t, "x3.example"), newCosigner(t, "y1.example")}
	text := fmt.Sprintf(`# partners
witness X1 %s https://x1.example/w
witness X2 %s
	witness X3 %s   # indented, trailing comment is part of nothing
group X 2 X1 X2 X3
witness Y1 %s
group Y any Y1
group XY all X Y
quorum XY
`, w[0].vkey, w[1].vkey, w[2].vkey, w[3].vkey)
	// "# indented …" is not a comment inside a line: make the line valid first.
	text = strings.Replace(text, "   # indented, trailing comment is part of nothing", "", 1)
	p, err := tlog.ParsePolicy([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		have []string
		want bool
	}{
		{nil, false},
		{[]string{"X1", "X2"}, false},
		{[]string{"X1", "X2", "Y1"}, true},
		{[]string{"X1", "X3", "Y1"}, true},
		{[]string{"X1", "Y1"}, false},
	} {
		if got := p.Satisfied(c.have); got != c.want {
			t.Errorf("Satisfied(%v) = %v", c.have, got)
		}
	}
	again, err := tlog.ParsePolicy(p.Marshal())
	if err != nil || !bytes.Equal(again.Marshal(), p.Marshal()) {
		t.Fatalf("Marshal does not parse back: %v\n%s", err, p.Marshal())
	}

	bad := map[string]string{
		"no quorum":          "witness a " + w[0].vkey + "\n",
		"two quorums":        "witness a " + w[0].vkey + "\nquorum a\nquorum a\n",
		"unknown quorum":     "quorum b\n",
		"forward reference":  "group g any a\nwitness a " + w[0].vkey + "\nquorum g\n",
		"threshold 0":        "witness a " + w[0].vkey + "\ngroup g 0 a\nquorum g\n",
		"threshold too big":  "witness a " + w[0].vkey + "\ngroup g 2 a\nquorum g\n",
		"member twice":       "witness a " + w[0].vkey + "\ngroup g any a a\nquorum g\n",
		"name twice":         "witness a " + w[0].vkey + "\nwitness a " + w[1].vkey + "\nquorum a\n",
		"keyword as name":    "witness all " + w[0].vkey + "\nquorum none\n",
		"same key twice":     "witness a " + w[0].vkey + "\nwitness b " + w[0].vkey + "\nquorum a\n",
		"log key as witness": "witness a x.example+12345678+AXs=\nquorum a\n",
		"bad URL":            "witness a " + w[0].vkey + " ftp://x\nquorum a\n",
		"control character":  "witness a " + w[0].vkey + "\r\nquorum a\n",
		"unknown keyword":    "server a\nquorum none\n",
		"none as member":     "witness a " + w[0].vkey + "\ngroup g any none\nquorum g\n",
	}
	for name, text := range bad {
		if _, err := tlog.ParsePolicy([]byte(text)); err == nil {
			t.Errorf("%s: accepted\n%s", name, text)
		}
	}
	if _, err := tlog.ParsePolicy([]byte("quorum none\n")); err != nil {
		t.Errorf("quorum none: %v", err)
	}
}

func TestConsistency(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "log.key")
	a := newTestLog(t, keyFile)
	for i := 1; i <= 3; i++ {
		a.report("mn-2024", envelopeBytes(i))
	}
	old := cpOfSize(t, a, 3)
	for i := 4; i <= 300; i++ {
		a.ev.add("mn-2024", iltod.EventStaff, []byte(fmt.Sprint(i)))
	}
	a.l.Notify()
	newer := cpOfSize(t, a, 300)
	v := mustVerifier(t, a.vkey, nil)
	ctx := context.Background()

	dirTiles, _ := tlog.OpenTiles(a.dir, nil)
	srv := httptest.NewServer(http.StripPrefix("/log", a.l.Handler()))
	defer srv.Close()
	httpTiles, _ := tlog.OpenTiles(srv.URL+"/log/", nil)
	for name, tiles := range map[string]tlog.Tiles{"directory": dirTiles, "http": httpTiles} {
		c, err := v.VerifyConsistency(ctx, old, newer, tiles)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c.Old.Size != 3 || c.New.Size != 300 || len(c.Proof) == 0 {
			t.Errorf("%s: %+v", name, c)
		}
		if _, err := v.VerifyConsistency(ctx, newer, newer, tiles); err != nil {
			t.Errorf("%s: a checkpoint with itself: %v", name, err)
		}
	}
	if _, err := v.VerifyConsistency(ctx, newer, old, dirTiles); failure(err) != tlog.FailMalformed {
		t.Errorf("old and new swapped: %v", err)
	}

	// A fork: the same key signs another history of 6 leaves.
	b := newTestLog(t, keyFile)
	for i := 1; i <= 6; i++ {
		b.report("mn-2024", []byte(fmt.Sprint("forged ", i)))
	}
	forked := cpOfSize(t, b, 6)
	bTiles, _ := tlog.OpenTiles(b.dir, nil)
	_, err := v.VerifyConsistency(ctx, old, forked, bTiles)
	var e *tlog.Error
	if !errors.As(err, &e) || e.Failure != tlog.FailConsistency || len(e.Evidence) != 3 {
		t.Fatalf("forked log: %v", err)
	}
	if !bytes.Equal(e.Evidence[0].Data, old) || !bytes.Equal(e.Evidence[1].Data, forked) {
		t.Errorf("the evidence is not both checkpoints: %s", e.Report())
	}
	// Tiles that are not the new checkpoint's tree.
	if _, err := v.VerifyConsistency(ctx, old, forked, dirTiles); failure(err) != tlog.FailConsistency {
		t.Errorf("tiles of another log: %v", err)
	}
}

// cpOfSize waits for the log's checkpoint of exactly size n.
func cpOfSize(t *testing.T, tl *testLog, n uint64) []byte {
	t.Helper()
	tl.receipt(n) // waits until a checkpoint covers n
	cp := tl.checkpoint()
	c, err := mustVerifier(t, tl.vkey, nil).VerifyCheckpoint(cp)
	if err != nil || c.Size != n {
		t.Fatalf("checkpoint of size %d: %v %v", n, c, err)
	}
	return cp
}
