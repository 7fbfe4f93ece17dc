package tlog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iltod/iltod/tlog"
	"github.com/transparency-dev/tessera/api/layout"
)

// writeTestDataset makes a log with reports of two elections and a staff event, and
// writes the dataset of election mn-2024.
func writeTestDataset(t *testing.T) (*testLog, string) {
	t.Helper()
	tl := newTestLog(t, "")
	var envs []tlog.DatasetEnvelope
	for i := 1; i <= 6; i++ {
		election := "mn-2024"
		if i == 3 {
			election = "mn-2025"
		}
		seq := tl.report(election, envelopeBytes(i))
		if election == "mn-2024" {
			envs = append(envs, tlog.DatasetEnvelope{Seq: seq, Envelope: envelopeBytes(i)})
		}
	}
	tl.staff("mn-2024")
	cpOfSize(t, tl, 7)
	envs = append(envs, tlog.DatasetEnvelope{Seq: 1000, Envelope: []byte("not logged yet")})
	out := filepath.Join(t.TempDir(), "dataset")
	sum, err := tlog.WriteDataset(context.Background(), out, tlog.DatasetSource{LogDir: tl.dir, VKey: tl.vkey, Elections: []string{"mn-2024"}}, envs)
	if err != nil {
		t.Fatalf("WriteDataset: %v", err)
	}
	if sum.Leaves != 7 || sum.Reports != 5 || sum.Envelopes != 5 || sum.Omitted != 1 {
		t.Fatalf("summary %+v", sum)
	}
	return tl, out
}

func TestDataset(t *testing.T) {
	tl, out := writeTestDataset(t)
	ctx := context.Background()
	if _, err := tlog.VerifyDataset(ctx, out); err != nil {
		t.Fatalf("VerifyDataset: %v", err)
	}
	lines := readLines(t, filepath.Join(out, tlog.DatasetEnvelopes))
	line := func(seq uint64, env []byte) string {
		b, _ := json.Marshal(tlog.DatasetEnvelope{Seq: seq, Envelope: env})
		return string(b)
	}
	altered := append([]byte(nil), envelopeBytes(4)...)
	altered[len(altered)-3] ^= 1

	cases := []struct {
		name  string
		edit  func(dir string)
		wants []string
	}{
		{"one envelope altered", func(dir string) {
			l := append([]string(nil), lines...)
			l[2] = line(4, altered)
			writeLines(t, filepath.Join(dir, tlog.DatasetEnvelopes), l)
		}, []string{"envelope 4 (line 3) was altered"}},
		{"one envelope removed", func(dir string) {
			writeLines(t, filepath.Join(dir, tlog.DatasetEnvelopes), append(append([]string(nil), lines[:1]...), lines[2:]...))
		}, []string{"envelope 2 was removed"}},
		{"one envelope added for a staff event", func(dir string) {
			writeLines(t, filepath.Join(dir, tlog.DatasetEnvelopes), append(append([]string(nil), lines...), line(7, []byte("x"))))
		}, []string{"envelope 7 (line 6) was added", "staff event"}},
		{"one envelope added from another election", func(dir string) {
			writeLines(t, filepath.Join(dir, tlog.DatasetEnvelopes), append(append([]string(nil), lines...), line(3, envelopeBytes(3))))
		}, []string{"envelope 3 (line 6) was added", "election mn-2025"}},
		{"one envelope added beyond the checkpoint", func(dir string) {
			writeLines(t, filepath.Join(dir, tlog.DatasetEnvelopes), append(append([]string(nil), lines...), line(8, []byte("x"))))
		}, []string{"envelope 8 (line 6) was added", "beyond the checkpoint"}},
		{"one envelope twice", func(dir string) {
			writeLines(t, filepath.Join(dir, tlog.DatasetEnvelopes), append(append([]string(nil), lines...), lines[0]))
		}, []string{"given twice"}},
		{"a leaf changed in the log copy", func(dir string) {
			p := filepath.Join(dir, tlog.DatasetLog, layout.EntriesPath(0, 7))
			b, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(b, []byte(`"n":2`), []byte(`"n":9`), 1), 0o644)
		}, []string{"the leaf at index 1 has sequence number 9"}},
		{"a leaf replaced, renumbered right", func(dir string) {
			p := filepath.Join(dir, tlog.DatasetLog, layout.EntriesPath(0, 7))
			b, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(b, []byte(`"t":"staff"`), []byte(`"t":"sta-f"`), 1), 0o644)
		}, []string{"the leaves hash to root"}},
		{"a tile missing", func(dir string) {
			os.Remove(filepath.Join(dir, tlog.DatasetLog, layout.TilePath(0, 0, 7)))
		}, []string{"lacks tiles"}},
		{"the checkpoint of another log", func(dir string) {
			other := newTestLog(t, "")
			os.WriteFile(filepath.Join(dir, tlog.DatasetVKey), []byte(other.vkey+"\n"), 0o644)
		}, []string{"not signed by the log key"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyDir(t, out)
			c.edit(dir)
			_, err := tlog.VerifyDataset(ctx, dir)
			if err == nil {
				t.Fatal("VerifyDataset accepted it")
			}
			for _, w := range c.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}

	// With a witness policy: the cosigned checkpoint verifies, and without its
	// cosignature the dataset fails.
	w := newCosigner(t, "w.example")
	dir := copyDir(t, out)
	cp, _ := os.ReadFile(filepath.Join(dir, tlog.DatasetCheckpoint))
	os.WriteFile(filepath.Join(dir, tlog.DatasetPolicy), []byte(fmt.Sprintf("witness w %s\nquorum w\n", w.vkey)), 0o644)
	if _, err := tlog.VerifyDataset(ctx, dir); failure(err) != tlog.FailQuorum {
		t.Errorf("dataset without cosignature under a policy: %v", err)
	}
	os.WriteFile(filepath.Join(dir, tlog.DatasetCheckpoint), cosign(t, cp, tl.vkey, w), 0o644)
	if sum, err := tlog.VerifyDataset(ctx, dir); err != nil || len(sum.Checkpoint.Cosigners) != 1 {
		t.Errorf("cosigned dataset: %v", err)
	}
}

func readLines(t *testing.T, path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func writeLines(t *testing.T, path string, lines []string) {
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "copy")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}
