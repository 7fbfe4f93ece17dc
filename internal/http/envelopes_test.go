package http

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/tlog"
)

// TestEnvelopesDownload checks GET /api/v1/elections/{election}/envelopes: the lines of
// the dataset's envelopes.jsonl as tlog writes them, cut at the log's checkpoint or at
// ?size=N, incident reports withheld and their testimony nowhere in the body.
func TestEnvelopesDownload(t *testing.T) {
	pkg, err := electionpkg.ReadDir("../../docs/example")
	if err != nil {
		t.Fatal(err)
	}
	pkg.Forms = append(pkg.Forms, iltod.Form{Code: "incident", Version: 1, Kind: iltod.Incident, Name: iltod.Text{"en": "Incident"},
		Questions: []iltod.Question{{Tag: "DS", Type: iltod.TextAnswer, Required: true, Label: iltod.Text{"en": "Describe what happened"}}}})
	env := newTestEnv(t, pkg)
	bold := env.enroll("example-2024", "1001")
	const testimony = "Officer G. Bat carried a second ballot box in at noon"
	var seqs []uint64
	for k := 0; k < 4; k++ {
		r := bold.report("UB-001", goodAnswers())
		if k == 1 {
			r.Form, r.Answers = "incident", map[string]iltod.Value{"DS": iltod.StrValue(fmt.Sprintf("%s (%d)", testimony, k))}
		}
		res, err := env.app.Submit(context.Background(), [][]byte{bold.sign(t, r)})
		if err != nil || res[0].Err != nil {
			t.Fatalf("submit: %v %v", err, res[0].Err)
		}
		seqs = append(seqs, res[0].Receipt.Seq)
	}

	// A log whose checkpoint covers the first three reports.
	logSize := seqs[2]
	srv := NewServer(env.app, nil)
	srv.SetLog(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/checkpoint" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, "example.org/iltod/log\n%d\nC9nBpfV7JUsoevMtkBEIlQemp9ykQLkPZgAFviqgmUI=\n\n— example.org/iltod/log OyOdZboaGe50hj9QX+uS6cIF\n", logSize)
	}))
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	get := func(method, path string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, ts.URL+path, nil)
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}
	envs, err := env.app.PublicEnvelopes(context.Background(), "example-2024")
	if err != nil {
		t.Fatal(err)
	}
	want := func(size uint64) []byte {
		var b bytes.Buffer
		if _, err := tlog.WriteDatasetEnvelopes(&b, envs, size); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}

	const path = "/api/v1/elections/example-2024/envelopes"
	for _, c := range []struct {
		query string
		size  uint64
	}{{"", logSize}, {"?size=" + strconv.FormatUint(seqs[1], 10), seqs[1]}, {"?size=0", 0}} {
		resp, body := get(http.MethodGet, path+c.query)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s %s", c.query, resp.Status, body)
		}
		if !bytes.Equal(body, want(c.size)) {
			t.Errorf("GET %s:\n%s\nwant\n%s", c.query, body, want(c.size))
		}
		for h, v := range map[string]string{
			"Content-Type":        "application/x-ndjson",
			"Content-Disposition": `attachment; filename="example-2024-envelopes.jsonl"`,
			"X-Iltod-Tree-Size":   strconv.FormatUint(c.size, 10),
		} {
			if got := resp.Header.Get(h); got != v {
				t.Errorf("GET %s: %s %q, want %q", c.query, h, got, v)
			}
		}
	}
	_, body := get(http.MethodGet, path)
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	if len(lines) != 3 || lines[1] != fmt.Sprintf(`{"seq":%d,"withheld":"testimony"}`, seqs[1]) {
		t.Fatalf("the download:\n%s", body)
	}
	for _, l := range lines {
		e, err := tlog.ParseDatasetEnvelope([]byte(l))
		if err != nil {
			t.Fatal(err)
		}
		if e.Envelope == nil {
			continue
		}
		x, err := iltod.ParseEnvelope(e.Envelope)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(x.Payload, []byte("G. Bat")) {
			t.Errorf("the download holds the testimony: %s", x.Payload)
		}
	}
	if resp, body := get(http.MethodHead, path); resp.StatusCode != http.StatusOK || len(body) != 0 {
		t.Errorf("HEAD: %s, %d bytes", resp.Status, len(body))
	}

	for _, c := range []struct {
		path   string
		status int
	}{
		{path + "?size=" + strconv.FormatUint(logSize+1, 10), http.StatusBadRequest},
		{path + "?size=-1", http.StatusBadRequest},
		{path + "?size=x", http.StatusBadRequest},
		{"/api/v1/elections/no-such-election/envelopes", http.StatusNotFound},
	} {
		if resp, body := get(http.MethodGet, c.path); resp.StatusCode != c.status {
			t.Errorf("GET %s: %s %s, want %d", c.path, resp.Status, body, c.status)
		}
	}
	// A server without a log has nothing to verify the envelopes against.
	env.wantError(http.MethodGet, path, http.StatusNotFound, iltod.ENotFound)
}
