package tlog_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/tlog"
)

// TestInstallationLeaf checks the leaf of an event of the installation, one that belongs
// to no election (a change to a staff account): its election is "", it parses back,
// and no report may have such a leaf.
func TestInstallationLeaf(t *testing.T) {
	ev := iltod.Event{Seq: 9, Election: "", Kind: iltod.EventStaff, Hash: [32]byte{0xcd}}
	leaf := tlog.Leaf(ev)
	want := `{"e":"","h":"cd00000000000000000000000000000000000000000000000000000000000000","n":9,"t":"staff"}`
	if string(leaf) != want {
		t.Fatalf("Leaf = %s\nwant %s", leaf, want)
	}
	l, err := tlog.ParseLeaf(leaf)
	if err != nil || l != (tlog.LeafData{Election: "", Hash: ev.Hash, Seq: 9, Kind: iltod.EventStaff}) {
		t.Fatalf("ParseLeaf = %+v, %v", l, err)
	}
	for _, bad := range []string{
		strings.Replace(want, `"staff"`, `"report"`, 1),
		strings.Replace(want, `"e":""`, `"e":" "`, 1),
		strings.Replace(want, `"e":""`, `"e":"-"`, 1),
	} {
		if _, err := tlog.ParseLeaf([]byte(bad)); err == nil {
			t.Errorf("ParseLeaf(%s) accepted", bad)
		}
	}
}

// TestInstallationEventInDataset checks that the ledger appends an event of the
// installation and that a dataset whose log holds one verifies, and names it when an
// envelope claims its sequence number.
func TestInstallationEventInDataset(t *testing.T) {
	ctx := context.Background()
	tl := newTestLog(t, "")
	var envs []tlog.DatasetEnvelope
	for i := 1; i <= 2; i++ {
		seq := tl.report("mn-2024", envelopeBytes(i))
		envs = append(envs, tlog.DatasetEnvelope{Seq: seq, Envelope: envelopeBytes(i)})
	}
	staff := tl.staff("")
	seq := tl.report("mn-2024", envelopeBytes(4))
	envs = append(envs, tlog.DatasetEnvelope{Seq: seq, Envelope: envelopeBytes(4)})
	cpOfSize(t, tl, 4)
	out := filepath.Join(t.TempDir(), "dataset")
	sum, err := tlog.WriteDataset(ctx, out, tlog.DatasetSource{LogDir: tl.dir, VKey: tl.vkey}, envs)
	if err != nil {
		t.Fatalf("WriteDataset: %v", err)
	}
	if sum.Leaves != 4 || sum.Reports != 3 {
		t.Fatalf("summary %+v", sum)
	}
	if _, err := tlog.VerifyDataset(ctx, out); err != nil {
		t.Fatalf("VerifyDataset: %v", err)
	}
	dir := copyDir(t, out)
	lines := readLines(t, filepath.Join(dir, tlog.DatasetEnvelopes))
	b, _ := json.Marshal(tlog.DatasetEnvelope{Seq: staff, Envelope: []byte("x")})
	writeLines(t, filepath.Join(dir, tlog.DatasetEnvelopes), append(lines, string(b)))
	_, err = tlog.VerifyDataset(ctx, dir)
	if err == nil || !strings.Contains(err.Error(), "is a staff event of the installation") {
		t.Errorf("an envelope for the installation's event: %v", err)
	}
}
