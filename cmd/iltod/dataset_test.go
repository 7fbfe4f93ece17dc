package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/tessera/api/layout"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/tlog"
)

// TestDatasetWithholdsTestimony submits a demo incident report with a known description
// and a demo opening checklist to a running server, and checks that the public dataset
// (iltod export dataset) and the envelopes download withhold the incident's envelope,
// that its testimony appears nowhere in either, and that a dataset made as docs/log.md
// says — a mirror of /log/ over HTTP, its checkpoint, the key, the election and the
// download — verifies with iltod verify dataset.
func TestDatasetWithholdsTestimony(t *testing.T) {
	m := startDemo(t, TLSConfig{})
	data := m.Config.Store.DataDir
	ctx := context.Background()
	base := strings.TrimSuffix(m.URL(), "/")

	p, err := electionpkg.Read(demo.Package())
	if err != nil {
		t.Fatal(err)
	}
	var obs iltod.Observer
	for _, o := range p.Observers {
		if len(o.Stations) > 0 {
			obs = o
			break
		}
	}
	forms := map[string]*iltod.Form{}
	for i := range p.Forms {
		forms[p.Forms[i].Code] = &p.Forms[i]
	}
	if obs.Code == "" || forms["incident"] == nil || forms["opening"] == nil {
		t.Fatal("the demo has no observer with a station, or no incident or opening form")
	}
	code, _, err := m.App.IssueEnrollment(app.SystemContext(ctx), demo.ElectionID, obs.Code, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := m.App.Enroll(ctx, code, pub); err != nil {
		t.Fatal(err)
	}

	const testimony = "Commission member Ts. Ganbold offered voters 20000 tugrik at the school gate"
	incident := probeAnswers(forms["incident"])
	incident["DS"] = iltod.StrValue(testimony)
	var ids []string
	for k, r := range []struct {
		form    *iltod.Form
		answers map[string]iltod.Value
	}{{forms["opening"], probeAnswers(forms["opening"])}, {forms["incident"], incident}} {
		rep := iltod.Report{ID: fmt.Sprintf("withheld-test-%d", k), Election: demo.ElectionID, Station: obs.Stations[0],
			Form: r.form.Code, FormVersion: r.form.Version, DeviceTime: "2024-06-28T11:00:00+08:00", Answers: r.answers}
		env, err := iltod.SignReport(rep, priv)
		if err != nil {
			t.Fatal(err)
		}
		res, err := m.App.Submit(ctx, [][]byte{env.Bytes()})
		if err != nil || res[0].Err != nil {
			t.Fatalf("submit %s: %v %v", rep.Form, err, res[0].Err)
		}
		ids = append(ids, rep.ID)
	}
	// Wait for the log to cover both.
	deadline := time.Now().Add(20 * time.Second)
	for _, id := range ids {
		for {
			resp, err := http.Get(base + "/api/v1/reports/" + id + "/receipt?election=" + demo.ElectionID)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("report %s did not reach the log: %s", id, resp.Status)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	// The export: one envelope published, one withheld.
	out := filepath.Join(t.TempDir(), "dataset")
	status, stdout, stderr := iltodCmd(t, "export", "dataset", "-data", data, "-election", demo.ElectionID, "-out", out)
	if status != 0 || !strings.Contains(stdout, "2 reports against checkpoint") || !strings.Contains(stdout, "1 with their envelope and 1 withheld") {
		t.Fatalf("export dataset: exit %d\n%s%s", status, stdout, stderr)
	}
	t.Logf("iltod export dataset:\n%s", stdout)
	noTestimony(t, "the exported dataset", os.DirFS(out), testimony)
	exported, err := os.ReadFile(filepath.Join(out, tlog.DatasetEnvelopes))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(exported, []byte(`"withheld":"testimony"}`)) {
		t.Errorf("the exported envelopes withhold nothing:\n%s", exported)
	}
	status, stdout, _ = iltodCmd(t, "verify", "dataset", out)
	if status != 0 || !strings.Contains(stdout, "OK: dataset") || !strings.Contains(stdout, "1 with an envelope that matches its leaf and 1 withheld") {
		t.Errorf("verify dataset: exit %d\n%s", status, stdout)
	}

	// The dataset made from a mirror of /log/ and the download, as docs/log.md says.
	mirror := t.TempDir()
	cp := httpGet(t, base+"/log/checkpoint")
	size, err := strconv.ParseUint(strings.Split(string(cp), "\n")[1], 10, 64)
	if err != nil {
		t.Fatalf("checkpoint %q: %v", cp, err)
	}
	mirrorLog(t, base+"/log/", filepath.Join(mirror, "log"), size)
	vkey, err := os.ReadFile(filepath.Join(data, "log.vkey"))
	if err != nil {
		t.Fatal(err)
	}
	download := httpGet(t, fmt.Sprintf("%s/api/v1/elections/%s/envelopes?size=%d", base, demo.ElectionID, size))
	for name, b := range map[string][]byte{
		"checkpoint": cp, "log.vkey": vkey, "elections": []byte(demo.ElectionID + "\n"), "envelopes.jsonl": download,
	} {
		if err := os.WriteFile(filepath.Join(mirror, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	noTestimony(t, "the download and the log mirror", os.DirFS(mirror), testimony)
	if size == mustSize(t, out) && !bytes.Equal(download, exported) {
		t.Errorf("the download differs from the exported envelopes.jsonl at the same size:\n%s\n%s", download, exported)
	}
	status, stdout, _ = iltodCmd(t, "verify", "dataset", mirror)
	t.Logf("iltod verify dataset on the mirror and the download:\n%s", stdout)
	if status != 0 || !strings.Contains(stdout, "1 with an envelope that matches its leaf and 1 withheld") {
		t.Errorf("verify dataset of the mirror and the download: exit %d\n%s", status, stdout)
	}
	// Dropping the withheld line, or forging one for a leaf that is no report, fails.
	lines := strings.SplitAfter(string(download), "\n")
	for name, c := range map[string]struct{ body, want string }{
		"without its withheld line":   {lines[0], "was removed"},
		"with a forged withheld line": {string(download) + `{"seq":1,"withheld":"testimony"}` + "\n", "not a report in the log"},
	} {
		os.WriteFile(filepath.Join(mirror, "envelopes.jsonl"), []byte(c.body), 0o644)
		if status, stdout, _ := iltodCmd(t, "verify", "dataset", mirror); status != 1 || !strings.Contains(stdout, "FAILED: dataset") || !strings.Contains(stdout, c.want) {
			t.Errorf("a dataset %s: exit %d\n%s", name, status, stdout)
		}
	}
}

// noTestimony fails the test if any file of fsys holds the testimony, as it is or in a
// published envelope's payload.
func noTestimony(t *testing.T, what string, fsys fs.FS, testimony string) {
	t.Helper()
	n := 0
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		n++
		if bytes.Contains(b, []byte(testimony)) {
			t.Errorf("%s: %s holds the testimony", what, path)
		}
		if path != tlog.DatasetEnvelopes {
			return nil
		}
		for _, l := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
			e, err := tlog.ParseDatasetEnvelope(l)
			if err != nil {
				return err
			}
			if e.Envelope == nil {
				continue
			}
			env, err := iltod.ParseEnvelope(e.Envelope)
			if err != nil {
				return err
			}
			if bytes.Contains(env.Payload, []byte(testimony)) {
				t.Errorf("%s: the envelope of seq %d holds the testimony", what, e.Seq)
			}
		}
		return nil
	})
	if err != nil || n < 3 {
		t.Fatalf("%s: read %d files: %v", what, n, err)
	}
}

// mirrorLog copies the tiles and entry bundles of the log at url up to tree size size
// into dir, over HTTP, as a partner's mirror holds them.
func mirrorLog(t *testing.T, url, dir string, size uint64) {
	t.Helper()
	ctx := context.Background()
	tiles, err := tlog.OpenTiles(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	write := func(p string, b []byte) {
		p = filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for ri := range layout.Range(0, size, size) {
		b, err := tiles.ReadEntryBundle(ctx, ri.Index, ri.Partial)
		if err != nil {
			t.Fatal(err)
		}
		write(layout.EntriesPath(ri.Index, ri.Partial), b)
	}
	for level := uint64(0); size>>(layout.TileHeight*level) > 0; level++ {
		for idx := uint64(0); idx*layout.TileWidth < size>>(layout.TileHeight*level); idx++ {
			p := layout.PartialTileSize(level, idx, size)
			b, err := tiles.ReadTile(ctx, level, idx, p)
			if err != nil {
				t.Fatal(err)
			}
			write(layout.TilePath(level, idx, p), b)
		}
	}
}

func httpGet(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v\n%s", url, resp.Status, err, b)
	}
	return b
}

// mustSize returns the tree size of the checkpoint of the dataset in dir.
func mustSize(t *testing.T, dir string) uint64 {
	t.Helper()
	cp, err := os.ReadFile(filepath.Join(dir, tlog.DatasetCheckpoint))
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseUint(strings.Split(string(cp), "\n")[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
