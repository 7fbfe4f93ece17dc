package tlog_test

import (
	"bytes"
	"context"
	"encoding/base64"
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

// TestDatasetWithheld checks a dataset in which some reports' envelopes are withheld:
// it verifies and counts them, and a withheld line that accounts for no report leaf, a
// sequence number given twice, a report leaf left unaccounted for and an altered
// envelope each make it fail.
func TestDatasetWithheld(t *testing.T) {
	ctx := context.Background()
	tl := newTestLog(t, "")
	var envs []tlog.DatasetEnvelope
	for i := 1; i <= 5; i++ {
		election := "mn-2024"
		if i == 4 {
			election = "mn-2025"
		}
		seq := tl.report(election, envelopeBytes(i))
		switch {
		case election != "mn-2024":
		case i%2 == 0:
			envs = append(envs, tlog.DatasetEnvelope{Seq: seq, Withheld: tlog.WithheldTestimony})
		default:
			envs = append(envs, tlog.DatasetEnvelope{Seq: seq, Envelope: envelopeBytes(i)})
		}
	}
	tl.staff("mn-2024") // seq 6
	cpOfSize(t, tl, 6)
	envs = append(envs, tlog.DatasetEnvelope{Seq: 1000, Withheld: tlog.WithheldTestimony})
	out := filepath.Join(t.TempDir(), "dataset")
	sum, err := tlog.WriteDataset(ctx, out, tlog.DatasetSource{LogDir: tl.dir, VKey: tl.vkey, Elections: []string{"mn-2024"}}, envs)
	if err != nil {
		t.Fatalf("WriteDataset: %v", err)
	}
	if sum.Leaves != 6 || sum.Reports != 4 || sum.Envelopes != 3 || sum.Withheld != 1 || sum.Omitted != 1 {
		t.Fatalf("summary %+v", sum)
	}
	lines := readLines(t, filepath.Join(out, tlog.DatasetEnvelopes))
	want := []string{
		`{"seq":1,"envelope":"` + base64.StdEncoding.EncodeToString(envelopeBytes(1)) + `"}`,
		`{"seq":2,"withheld":"testimony"}`,
		`{"seq":3,"envelope":"` + base64.StdEncoding.EncodeToString(envelopeBytes(3)) + `"}`,
		`{"seq":5,"envelope":"` + base64.StdEncoding.EncodeToString(envelopeBytes(5)) + `"}`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("envelopes.jsonl:\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if sum, err := tlog.VerifyDataset(ctx, out); err != nil || sum.Withheld != 1 || sum.Envelopes != 3 || sum.Reports != 4 {
		t.Fatalf("VerifyDataset: %+v, %v", sum, err)
	}
	// Withholding every report's envelope also verifies: the leaves are accounted for.
	all := copyDir(t, out)
	writeLines(t, filepath.Join(all, tlog.DatasetEnvelopes), []string{
		`{"seq":1,"withheld":"testimony"}`, lines[1], `{"seq":3,"withheld":"testimony"}`, `{"seq":5,"withheld":"testimony"}`})
	if sum, err := tlog.VerifyDataset(ctx, all); err != nil || sum.Withheld != 4 || sum.Envelopes != 0 {
		t.Fatalf("all withheld: %+v, %v", sum, err)
	}

	withheld := func(seq uint64) string { return fmt.Sprintf(`{"seq":%d,"withheld":"testimony"}`, seq) }
	altered := append([]byte(nil), envelopeBytes(3)...)
	altered[len(altered)-3] ^= 1
	with := func(l ...string) []string { return append(append([]string(nil), lines...), l...) }
	cases := []struct {
		name    string
		lines   []string
		failure tlog.Failure
		wants   []string
	}{
		{"withheld for a staff event", with(withheld(6)), tlog.FailDataset,
			[]string{"withheld envelope 6 (line 5) was added", "staff event of election mn-2024"}},
		{"withheld for a report of another election", with(withheld(4)), tlog.FailDataset,
			[]string{"withheld envelope 4 (line 5) was added", "report event of election mn-2025"}},
		{"withheld beyond the checkpoint", with(withheld(7)), tlog.FailDataset,
			[]string{"withheld envelope 7 (line 5) was added", "beyond the checkpoint"}},
		{"withheld twice", with(lines[1]), tlog.FailDataset, []string{"envelope 2 (line 5) is given twice"}},
		{"withheld and given", with(`{"seq":2,"envelope":"` + base64.StdEncoding.EncodeToString(envelopeBytes(2)) + `"}`), tlog.FailDataset,
			[]string{"envelope 2 (line 5) is given twice"}},
		{"given and withheld", with(withheld(3)), tlog.FailDataset, []string{"envelope 3 (line 5) is given twice"}},
		{"a withheld line removed", []string{lines[0], lines[2], lines[3]}, tlog.FailDataset,
			[]string{"envelope 2 was removed", "neither its envelope nor a withheld line"}},
		{"an envelope altered", []string{lines[0], lines[1], envelopeLine(3, altered), lines[3]}, tlog.FailDataset,
			[]string{"envelope 3 (line 3) was altered"}},
		{"an unknown reason", with(`{"seq":4,"withheld":"secret"}`), tlog.FailMalformed, []string{"line 5 is malformed", `"secret"`}},
		{"an envelope and a reason", with(`{"seq":2,"envelope":"eA==","withheld":"testimony"}`), tlog.FailMalformed,
			[]string{"line 5 is malformed", "both an envelope and a reason"}},
		{"neither", with(`{"seq":2}`), tlog.FailMalformed, []string{"line 5 is malformed", "neither"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyDir(t, out)
			writeLines(t, filepath.Join(dir, tlog.DatasetEnvelopes), c.lines)
			_, err := tlog.VerifyDataset(ctx, dir)
			if err == nil {
				t.Fatal("VerifyDataset accepted it")
			}
			if failure(err) != c.failure {
				t.Errorf("failure %q, want %q: %v", failure(err), c.failure, err)
			}
			for _, w := range c.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}

	// WriteDataset refuses a line that is neither an envelope nor a known reason.
	for _, bad := range []tlog.DatasetEnvelope{{Seq: 1}, {Seq: 1, Withheld: "secret"}, {Seq: 1, Envelope: []byte("x"), Withheld: tlog.WithheldTestimony}, {Withheld: tlog.WithheldTestimony}} {
		if _, err := tlog.WriteDataset(ctx, filepath.Join(t.TempDir(), "d"), tlog.DatasetSource{LogDir: tl.dir, VKey: tl.vkey}, []tlog.DatasetEnvelope{bad}); err == nil {
			t.Errorf("WriteDataset accepted %+v", bad)
		}
	}
}

// envelopeLine is the line of envelopes.jsonl that gives env for seq.
func envelopeLine(seq uint64, env []byte) string {
	b, _ := json.Marshal(tlog.DatasetEnvelope{Seq: seq, Envelope: env})
	return string(b)
}
