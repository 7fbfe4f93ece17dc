package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/locales"
)

const exampleDir = "../../docs/example"

// storeArgs returns the store flags of each store to test: SQLite always, and PostgreSQL
// in a fresh schema when ILTOD_TEST_POSTGRES is set.
func storeArgs(t *testing.T) map[string][]string {
	t.Helper()
	return storeArgsB(t)
}

// storeArgsB is storeArgs for tests and benchmarks alike.
func storeArgsB(t testing.TB) map[string][]string {
	t.Helper()
	out := map[string][]string{"sqlite": {"-data", t.TempDir()}}
	dsn := os.Getenv("ILTOD_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("ILTOD_TEST_POSTGRES not set in CI: the command tests must run on PostgreSQL too")
		}
		t.Log("ILTOD_TEST_POSTGRES not set: command tests run on SQLite only")
		return out
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "cmdtest_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), dsn)
		if err == nil {
			c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	out["postgres"] = []string{"-postgres", u.String()}
	return out
}

// englishEnv is an environment whose language is English, so that tests read the same
// words on any machine; tests of other languages give -lang.
func englishEnv(name string) string {
	if name == "LANG" {
		return "en_US.UTF-8"
	}
	return ""
}

// iltodCmd runs the command line in-process, in English unless args say otherwise, and
// returns its exit code and output.
func iltodCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, englishEnv, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// stored reads an election back through a store opened with the given flags.
func stored(t *testing.T, flags []string, id string) *iltod.Package {
	t.Helper()
	var sc StoreConfig
	fs := newFlagSet(locales.For("en"), "test", io.Discard, "", "")
	sc.register(fs, "")
	if err := fs.Parse(flags); err != nil {
		t.Fatal(err)
	}
	s, err := sc.open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p, err := iltod.LoadPackage(context.Background(), s, id)
	if err != nil {
		t.Fatalf("read election %s back: %v", id, err)
	}
	return p
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		os.MkdirAll(filepath.Join(dst, filepath.Dir(rel)), 0o755)
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func replaceIn(t *testing.T, file, old, new string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%s does not contain %q", file, old)
	}
	os.WriteFile(file, bytes.Replace(data, []byte(old), []byte(new), 1), 0o644)
}

// TestLoadBadPackageChangesNothing loads the example, then tries to replace it with broken
// copies: each attempt fails with a located message and leaves the stored election as it was.
func TestLoadBadPackageChangesNothing(t *testing.T) {
	for name, flags := range storeArgs(t) {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := iltodCmd(t, append(append([]string{"load"}, flags...), exampleDir)...)
			if code != 0 {
				t.Fatalf("load example: exit %d: %s", code, errOut)
			}
			if !strings.Contains(out, "loaded election example-2024") || !strings.Contains(out, "5 stations (5,067 registered voters)") {
				t.Errorf("load output: %s", out)
			}
			before := stored(t, flags, "example-2024")
			breaks := []struct{ file, old, new, want string }{
				{"areas.csv", "UB-BG-01,UB-BG,", "UB-BG-01,UB-XX,", `areas.csv:6: parent: unknown parent area "UB-XX"`},
				{"stations.csv", "UB-002,UB-BG-01", "UB-001,UB-BG-01", `stations.csv:3: code: duplicate station code "UB-001"`},
				{"contests.yaml", "seats: 3", "seats: 2", `election.yaml:20: bodies[0].tiers[0].seats: tier hural/constituency has 4 seats but its contests add up to 3`},
				{"forms/results.yaml", "choice: L-BLUE", "choice: L-GREEN", `forms/results.yaml:14: questions[7].choice: contest "LIST" has no choice "L-GREEN"`},
				{"stations.csv", "Station 2", "Station \xff2", `stations.csv:3: name_en: is not valid UTF-8`},
			}
			for _, b := range breaks {
				dir := copyDir(t, exampleDir)
				// A valid change too, so that a partial load would show.
				replaceIn(t, filepath.Join(dir, "stations.csv"), "1320,urban", "1999,urban")
				replaceIn(t, filepath.Join(dir, b.file), b.old, b.new)
				code, _, errOut := iltodCmd(t, append(append([]string{"load", "-replace"}, flags...), dir)...)
				if code != 1 || !strings.Contains(errOut, b.want) {
					t.Errorf("broken %s: exit %d, stderr %q; want exit 1 and %q", b.file, code, errOut, b.want)
				}
				if after := stored(t, flags, "example-2024"); !reflect.DeepEqual(before, after) {
					t.Errorf("broken %s changed the stored election", b.file)
				}
			}
			// Loading the same id again without -replace is refused, and changes nothing.
			code, _, errOut = iltodCmd(t, append(append([]string{"load"}, flags...), exampleDir)...)
			if code != 1 || !strings.Contains(errOut, "example-2024") {
				t.Errorf("second load without -replace: exit %d: %s", code, errOut)
			}
		})
	}
}

// TestExportRoundTrip loads the example, exports it, and loads the export into a second
// store: the same election comes back, record for record.
func TestExportRoundTrip(t *testing.T) {
	want, err := electionpkg.ReadDir(exampleDir)
	if err != nil {
		t.Fatal(err)
	}
	sortStations(want)
	for name, flags := range storeArgs(t) {
		t.Run(name, func(t *testing.T) {
			if code, _, e := iltodCmd(t, append(append([]string{"load"}, flags...), exampleDir)...); code != 0 {
				t.Fatal(e)
			}
			out := t.TempDir()
			code, stdout, e := iltodCmd(t, append([]string{"export", "package", "-election", "example-2024", "-out", out}, flags...)...)
			if code != 0 {
				t.Fatalf("export: %s", e)
			}
			if !strings.Contains(stdout, "(demonstration data)") {
				t.Errorf("export of demo data must say so: %s", stdout)
			}
			second := t.TempDir()
			if code, _, e := iltodCmd(t, "load", "-data", second, out); code != 0 {
				t.Fatalf("load the export: %s", e)
			}
			got := stored(t, []string{"-data", second}, "example-2024")
			sortStations(got)
			if !reflect.DeepEqual(want, got) {
				t.Errorf("round trip through %s changed the election:\nwant %+v\ngot  %+v", name, want, got)
			}
		})
	}
}

func sortStations(p *iltod.Package) {
	slices.SortFunc(p.Stations, func(a, b iltod.Station) int { return strings.Compare(a.Code, b.Code) })
}

func TestUsage(t *testing.T) {
	if code, _, _ := iltodCmd(t); code != 2 {
		t.Errorf("no command: exit %d, want 2", code)
	}
	if code, _, e := iltodCmd(t, "frobnicate"); code != 2 || !strings.Contains(e, "unknown command") {
		t.Errorf("unknown command: exit %d: %s", code, e)
	}
	if code, _, e := iltodCmd(t, "load"); code != 2 || !strings.Contains(e, "one package folder") {
		t.Errorf("load without a folder: exit %d: %s", code, e)
	}
	if code, _, e := iltodCmd(t, "load", "-nosuchflag", "x"); code != 2 {
		t.Errorf("bad flag: exit %d: %s", code, e)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s: %s", url, resp.Status, body)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// TestDemo starts the demo as a user would, on a free port, and checks through the API
// what the issue asks a new user to see: 13 constituencies whose mandates add up to 78,
// and stations whose registered voters add up to the package's total.
func TestDemo(t *testing.T) {
	pkg, err := electionpkg.Read(demo.Package())
	if err != nil {
		t.Fatalf("the embedded demo package does not load: %v", err)
	}
	var total int64
	for _, s := range pkg.Stations {
		total += int64(s.Registered)
	}
	m := &Main{Config: ServeConfig{Store: StoreConfig{DataDir: t.TempDir()}, Addr: "127.0.0.1:0", Origin: DemoOrigin}}
	defer m.Close()
	ctx := context.Background()
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := loadDemo(ctx, m); err != nil {
		t.Fatal(err)
	}
	// A second start replaces the demo rather than failing.
	if kept, err := loadDemo(ctx, m); err != nil || kept {
		t.Fatalf("reloading the demo: kept %v, %v", kept, err)
	}
	if err := m.Serve(ctx); err != nil {
		t.Fatal(err)
	}
	base := m.URL() + "api/v1/elections/" + demo.ElectionID
	var contests struct {
		Contests []iltod.Contest `json:"contests"`
	}
	getJSON(t, base+"/contests?tier=sgk/constituency", &contests)
	seats := 0
	for _, c := range contests.Contests {
		seats += c.Seats
		if c.System.Kind != iltod.BlockVote {
			t.Errorf("constituency %s uses %s, want block vote", c.Code, c.System.Kind)
		}
	}
	if len(contests.Contests) != 13 || seats != 78 {
		t.Errorf("%d constituencies with %d mandates; want 13 with 78", len(contests.Contests), seats)
	}
	var sum int64
	n := 0
	for after := ""; ; {
		var page struct {
			Stations []iltod.Station `json:"stations"`
			Next     string          `json:"next"`
		}
		getJSON(t, fmt.Sprintf("%s/stations?limit=1000&after=%s", base, url.QueryEscape(after)), &page)
		for _, s := range page.Stations {
			sum += int64(s.Registered)
		}
		n += len(page.Stations)
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	if n != len(pkg.Stations) || sum != total {
		t.Errorf("API lists %d stations with %d registered; the package has %d with %d", n, sum, len(pkg.Stations), total)
	}
	if total < 2_000_000 || total > 2_100_000 {
		t.Errorf("demo registered voters = %d, want about 2.06 million", total)
	}
	resp, err := http.Get(m.URL())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "Demonstration data") {
		t.Errorf("the status page of the demo must carry the demonstration banner")
	}
}
