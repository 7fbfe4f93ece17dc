package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/qa"
	"github.com/iltod/iltod/internal/simulate"
	"github.com/iltod/iltod/internal/sqlstore"
)

// soakPlan is how much of each fault TestSoak causes.
type soakPlan struct {
	// Kills is the number of SIGKILL cycles of iltod serve under load, on SQLite and,
	// with PGKills, on PostgreSQL.
	Kills, PGKills int
	// DiskFull and ReadOnly run those faults once each.
	DiskFull, ReadOnly bool
	// PGRestart restarts the shared PostgreSQL server under load this many times.
	PGRestart int
	// LoadCrashes and ImportCrashes kill iltod load and iltod import mid-way.
	LoadCrashes, ImportCrashes int
}

// shortSoak runs in the normal suite; fullSoak (soak_full_test.go, build tag soak) is
// the one docs/faults.md names.
var shortSoak = soakPlan{Kills: 10, DiskFull: true, ReadOnly: true, LoadCrashes: 3, ImportCrashes: 3}

// soakFull, set by soak_full_test.go, makes TestSoak run fullSoak.
var soakFull *soakPlan

// soakFigures is what a soak did; its String is the closing line.
type soakFigures struct {
	mu                                       sync.Mutex
	cycles, kills, diskFull, readOnly, pgRes int
	loadCrashes, importCrashes               int
	acked, lost                              int
	errors                                   map[string]int // the refusals seen, by message
}

func (f *soakFigures) add(fn func(f *soakFigures)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *soakFigures) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fmt.Sprintf("soak: %d kill cycles (%d SIGKILLs of iltod serve), %d disk-full, %d read-only, %d PostgreSQL restarts, %d crashes mid-load, %d mid-import; %d reports acknowledged, %d lost",
		f.cycles, f.kills, f.diskFull, f.readOnly, f.pgRes, f.loadCrashes, f.importCrashes, f.acked, f.lost)
}

// TestSoak causes the faults of docs/faults.md to real iltod processes under load: after
// each, every acknowledged report is kept and in the log within its receipt delay, the
// log extends every checkpoint seen before, refusals are the catalogue's words, and a
// crashed load or import leaves the old state whole. In the normal suite it runs a short
// plan; go test -tags soak runs the full one and prints its figures.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("the soak runs the server as separate processes")
	}
	plan := shortSoak
	if soakFull != nil {
		plan = *soakFull
	}
	bin := buildIltod(t)
	fig := &soakFigures{errors: map[string]int{}}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 16))
	t.Logf("random seed of this run: %d", seed)
	if plan.Kills > 0 {
		t.Run("kill/sqlite", func(t *testing.T) { soakKills(t, bin, []string{"-data", t.TempDir()}, plan.Kills, rng, fig) })
	}
	if plan.PGKills > 0 {
		t.Run("kill/postgres", func(t *testing.T) {
			pg, ok := storeArgs(t)["postgres"]
			if !ok {
				t.Skip("ILTOD_TEST_POSTGRES not set")
			}
			soakKills(t, bin, pg, plan.PGKills, rng, fig)
		})
	}
	if plan.DiskFull {
		t.Run("diskfull", func(t *testing.T) { soakDiskFull(t, bin, fig) })
	}
	if plan.ReadOnly {
		t.Run("readonly", func(t *testing.T) { soakReadOnly(t, bin, fig) })
	}
	if plan.PGRestart > 0 {
		t.Run("pgrestart", func(t *testing.T) { soakPGRestart(t, bin, plan.PGRestart, fig) })
	}
	if plan.LoadCrashes > 0 {
		t.Run("crash-load", func(t *testing.T) { soakCrashLoad(t, bin, plan.LoadCrashes, rng, fig) })
	}
	if plan.ImportCrashes > 0 {
		t.Run("crash-import", func(t *testing.T) { soakCrashImport(t, bin, plan.ImportCrashes, rng, fig) })
	}
	t.Log(fig)
	for msg, n := range fig.errors {
		t.Logf("refused %d times with: %s", n, msg)
	}
}

// soakKills runs cycles of: load, SIGKILL of iltod serve at a random moment, restart,
// and the check that every report acknowledged before the kill is there and proved,
// in a log that extends the one before.
func soakKills(t *testing.T, bin string, store []string, cycles int, rng *rand.Rand, fig *soakFigures) {
	in := newInstallation(t, bin, store, 4)
	srv := serve(t, bin, in.store)
	in.claim(t, srv)
	v := in.verifier(t)
	var last []byte
	var all []acked
	for c := 0; c < cycles; c++ {
		var l load
		stop := l.start(context.Background(), srv.base, in.keys, fmt.Sprintf("k%d", c), false)
		time.Sleep(time.Duration(rng.Int64N(int64(700 * time.Millisecond))))
		srv.kill()
		stop()
		acks := l.acked()
		all = append(all, acks...)
		srv = serve(t, bin, in.store)
		last = checkAcked(t, v, srv, acks, last)
		fig.add(func(f *soakFigures) { f.cycles++; f.kills++; f.acked += len(acks) })
		noteRefusals(t, &l, fig)
	}
	// Everything acknowledged in every cycle, once more, from the last server.
	checkAcked(t, v, srv, all, last)
	if len(all) < cycles*10 {
		t.Fatalf("only %d reports acknowledged in %d cycles: the soak proves little", len(all), cycles)
	}
	t.Logf("%d cycles, %d reports acknowledged, none lost", cycles, len(all))
}

// noteRefusals records the error answers the load got; any that is not the catalogue's
// word for a store that cannot write (503 unavailable) fails the test: a fault must not
// be answered with a bare internal error.
func noteRefusals(t *testing.T, l *load, fig *soakFigures) {
	t.Helper()
	for msg, n := range l.refusals() {
		fig.add(func(f *soakFigures) { f.errors[msg] += n })
		if !strings.HasPrefix(msg, "503 ") || !strings.Contains(msg, `"code":"unavailable"`) {
			t.Errorf("a fault was answered %d times with: %s", n, msg)
		}
	}
}

// mountTmpfs mounts a tmpfs of the given size on a new directory, or skips the test.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs (%v: %s): the disk-full and read-only faults need root and mount; skipped", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		exec.Command("mount", "-o", "remount,rw", dir).Run()
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fill writes a ballast file in dir until at most leave bytes are free.
func fill(t *testing.T, dir string, leave int64) string {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	free := int64(st.Bavail) * st.Bsize
	path := filepath.Join(dir, "ballast")
	if free > leave {
		if err := os.WriteFile(path, make([]byte, free-leave), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// storeRefusal is whether an error answer is the catalogue's for a failing store.
func storeRefusal(msg string) bool {
	return strings.Contains(msg, `"code":"unavailable"`) || strings.Contains(msg, `"code":"internal"`)
}

// soakDiskFull fills the data directory's disk under load: the server refuses reports
// with a clear error and acknowledges none it did not keep; once space is freed it
// takes reports again, and after a SIGKILL while the disk was full nothing is lost.
func soakDiskFull(t *testing.T, bin string, fig *soakFigures) {
	mnt := mountTmpfs(t, "8m")
	in := newInstallation(t, bin, []string{"-data", filepath.Join(mnt, "data")}, 4)
	srv := serve(t, bin, in.store)
	in.claim(t, srv)
	v := in.verifier(t)
	ballast := fill(t, mnt, 256<<10)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var l load
	stop := l.start(ctx, srv.base, in.keys, "full", false)
	for ctx.Err() == nil && l.refused.Load() < 20 {
		time.Sleep(50 * time.Millisecond)
	}
	full := l.refused.Load() >= 20
	stop()
	if !full {
		t.Fatalf("the disk never filled: %d reports acknowledged", len(l.acked()))
	}
	msg, _ := l.lastErr.Load().(string)
	t.Logf("refused when the disk was full: %s", msg)
	if !strings.Contains(msg, "disk") {
		t.Errorf("the refusal does not say the disk is full: %s", msg)
	}
	noteRefusals(t, &l, fig)
	if resp, err := http.Get(srv.base + "/healthz"); err != nil {
		t.Fatalf("the server died when the disk filled: %v\n%s", err, srv.logs)
	} else {
		resp.Body.Close()
	}
	// Space is freed: the running server catches up by itself, and takes reports again
	// (a few: the tmpfs is small, and every batch the log integrates writes partial
	// tiles that Tessera removes only a minute later).
	os.Remove(ballast)
	acks := l.acked()
	last := checkAcked(t, v, srv, acks)
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	l2 := load{max: 8}
	l2.run(ctx, srv.base, in.keys, "after", false)
	cancel()
	if len(l2.acked()) == 0 {
		t.Fatalf("no report acknowledged once space was freed: %v", l2.lastErr.Load())
	}
	acks = append(acks, l2.acked()...)
	last = checkAcked(t, v, srv, acks, last)
	// And a crash after it all loses nothing.
	srv.kill()
	srv = serve(t, bin, in.store)
	checkAcked(t, v, srv, acks, last)
	fig.add(func(f *soakFigures) { f.diskFull++; f.acked += len(acks) })
}

// soakReadOnly kills iltod serve under load and makes its data directory read-only
// (as a file system remounted read-only after an error would leave it; Linux refuses to
// remount a file system read-only while a process has a file open for writing on it, so
// the server is down when it happens): the server refuses to start, says why, and
// changes nothing; once the directory is writable again every acknowledged report is
// there and in the log.
func soakReadOnly(t *testing.T, bin string, fig *soakFigures) {
	mnt := mountTmpfs(t, "64m")
	in := newInstallation(t, bin, []string{"-data", filepath.Join(mnt, "data")}, 4)
	srv := serve(t, bin, in.store)
	in.claim(t, srv)
	v := in.verifier(t)

	var l load
	stop := l.start(context.Background(), srv.base, in.keys, "ro", false)
	time.Sleep(500 * time.Millisecond)
	srv.kill()
	stop()
	if out, err := exec.Command("mount", "-o", "remount,ro", mnt).CombinedOutput(); err != nil {
		t.Fatalf("remount read-only: %v: %s", err, out)
	}
	before := treeDigest(t, filepath.Join(mnt, "data"))
	if s, err := tryServe(bin, in.store, 10*time.Second); err == nil {
		s.kill()
		t.Errorf("iltod serve started on a read-only data directory")
	} else {
		t.Logf("iltod serve on a read-only directory: %v", firstLines(err.Error(), 3))
		if !strings.Contains(err.Error(), "read-only") {
			t.Errorf("iltod serve on a read-only directory does not say so: %v", err)
		}
		fig.add(func(f *soakFigures) { f.errors[firstLines(err.Error(), 2)]++ })
	}
	if after := treeDigest(t, filepath.Join(mnt, "data")); after != before {
		t.Errorf("a refused start changed the data directory")
	}
	if out, err := exec.Command("mount", "-o", "remount,rw", mnt).CombinedOutput(); err != nil {
		t.Fatalf("remount rw: %v: %s", err, out)
	}
	srv = serve(t, bin, in.store)
	acks := l.acked()
	checkAcked(t, v, srv, acks)
	fig.add(func(f *soakFigures) { f.readOnly++; f.acked += len(acks) })
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], " | ")
}

// treeDigest lists the files under dir with their sizes and modification times.
func treeDigest(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			fmt.Fprintf(&b, "%s %d %d\n", p, fi.Size(), fi.ModTime().UnixNano())
		}
		return nil
	})
	return b.String()
}

// soakPGRestart restarts the PostgreSQL server under load: the server refuses reports
// while the database is away, and afterwards every acknowledged report is kept and in
// the log. It runs only in the full soak: other tests share the PostgreSQL server. It
// restarts the machine's cluster with pg_ctlcluster, or runs the command in
// ILTOD_SOAK_PG_RESTART (split at spaces), e.g. a pg_ctl restart of a private cluster.
func soakPGRestart(t *testing.T, bin string, restarts int, fig *soakFigures) {
	pg, ok := storeArgs(t)["postgres"]
	if !ok {
		t.Skip("ILTOD_TEST_POSTGRES not set")
	}
	restart := strings.Fields(os.Getenv("ILTOD_SOAK_PG_RESTART"))
	if len(restart) == 0 {
		versions, _ := filepath.Glob("/etc/postgresql/*")
		if len(versions) == 0 {
			t.Skip("no PostgreSQL cluster on this machine to restart, and ILTOD_SOAK_PG_RESTART not set")
		}
		restart = []string{"pg_ctlcluster", "--skip-systemctl-redirect", filepath.Base(versions[0]), "main", "restart"}
	}
	in := newInstallation(t, bin, pg, 4)
	srv := serve(t, bin, in.store)
	in.claim(t, srv)
	v := in.verifier(t)
	var last []byte
	var all []acked
	for i := 0; i < restarts; i++ {
		var l load
		stop := l.start(context.Background(), srv.base, in.keys, fmt.Sprintf("pg%d", i), false)
		time.Sleep(500 * time.Millisecond)
		if out, err := exec.Command(restart[0], restart[1:]...).CombinedOutput(); err != nil {
			stop()
			t.Fatalf("%s: %v: %s", strings.Join(restart, " "), err, out)
		}
		before := len(l.acked())
		deadline := time.Now().Add(20 * time.Second)
		for len(l.acked()) < before+50 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		stop()
		if len(l.acked()) < before+50 {
			t.Fatalf("the server took no reports after PostgreSQL restarted: %v\n%s", l.lastErr.Load(), srv.logs)
		}
		acks := l.acked()
		all = append(all, acks...)
		last = checkAcked(t, v, srv, acks, last)
		noteRefusals(t, &l, fig)
		fig.add(func(f *soakFigures) { f.pgRes++; f.acked += len(acks) })
	}
	// A restart of iltod after it all keeps everything.
	srv.stop()
	srv = serve(t, bin, in.store)
	checkAcked(t, v, srv, all, last)
}

// soakCrashLoad kills iltod load -replace of a changed election package at random
// moments: the store then holds the old election or the new one, whole.
func soakCrashLoad(t *testing.T, bin string, crashes int, rng *rand.Rand, fig *soakFigures) {
	src := filepath.Join("..", "..", "demo", "mongolia2024")
	oldPkg, err := electionpkg.ReadDir(src, qa.ValidateForms)
	if err != nil {
		t.Fatal(err)
	}
	// The new package: the same election, with its last 500 observers removed.
	newDir := copyDir(t, src)
	obs, _ := os.ReadFile(filepath.Join(newDir, "observers.csv"))
	lines := strings.SplitAfter(string(obs), "\n")
	os.WriteFile(filepath.Join(newDir, "observers.csv"), []byte(strings.Join(lines[:len(lines)-501], "")), 0o644)
	newPkg, err := electionpkg.ReadDir(newDir, qa.ValidateForms)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(oldPkg.Summarize(), newPkg.Summarize()) {
		t.Fatal("the new package does not differ")
	}
	for kind, store := range storeArgs(t) {
		start := time.Now()
		if out, err := exec.Command(bin, append(append([]string{"load"}, store...), src)...).CombinedOutput(); err != nil {
			t.Fatalf("load: %v\n%s", err, out)
		}
		took := time.Since(start)
		outcomes := map[string]int{}
		for i := 0; i < crashes; i++ {
			cmd := exec.Command(bin, append(append([]string{"load", "-replace"}, store...), newDir)...)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(crashMoment(rng, took))
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			got := storedSummary(t, store, oldPkg.Election.ID)
			switch {
			case reflect.DeepEqual(got, oldPkg.Summarize()):
				outcomes["old"]++
			case reflect.DeepEqual(got, newPkg.Summarize()):
				outcomes["new"]++
				// Back to the old package for the next crash.
				if out, err := exec.Command(bin, append(append([]string{"load", "-replace"}, store...), src)...).CombinedOutput(); err != nil {
					t.Fatalf("load: %v\n%s", err, out)
				}
			default:
				t.Fatalf("%s: after a crash mid-load the store holds neither the old nor the new election: %+v", kind, got)
			}
			fig.add(func(f *soakFigures) { f.loadCrashes++ })
		}
		t.Logf("%s: %d crashes mid-load: %v", kind, crashes, outcomes)
	}
}

// crashMoment is a random moment of a run that took took when left alone: between 30%
// and 120% of it, so that some kills land before the transaction, some in it, and some
// after it.
func crashMoment(rng *rand.Rand, took time.Duration) time.Duration {
	return took*3/10 + time.Duration(rng.Int64N(int64(took)*9/10))
}

// openAfterCrash opens the store that store's flags name (-data DIR or -postgres DSN),
// as the next iltod would after a crash.
func openAfterCrash(t *testing.T, store []string) iltod.Store {
	t.Helper()
	var s iltod.Store
	var err error
	if store[0] == "-data" {
		s, err = sqlstore.OpenSQLite(context.Background(), filepath.Join(store[1], SQLiteFile))
	} else {
		s, err = sqlstore.OpenPostgres(context.Background(), store[1])
	}
	if err != nil {
		t.Fatalf("the store does not open after a crash: %v", err)
	}
	return s
}

func storedSummary(t *testing.T, store []string, id string) iltod.Summary {
	t.Helper()
	s := openAfterCrash(t, store)
	defer s.Close()
	sum, err := s.Summary(context.Background(), id)
	if err != nil {
		t.Fatalf("the election is gone after a crash: %v", err)
	}
	return sum
}

// soakCrashImport kills iltod import of a release of official results at random
// moments: the store then holds the releases it held, or those and the whole new one.
func soakCrashImport(t *testing.T, bin string, crashes int, rng *rand.Rand, fig *soakFigures) {
	src := filepath.Join("..", "..", "demo", "mongolia2024")
	pkg, err := electionpkg.ReadDir(src, qa.ValidateForms)
	if err != nil {
		t.Fatal(err)
	}
	results, err := simulate.Official(pkg, simulate.Truth(pkg, simulate.DefaultSeed), simulate.Tampering{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("station,contest,choice,votes\n")
	rows := 0
	for _, r := range results {
		if r.IsTotal() {
			continue
		}
		for _, k := range slices.Sorted(mapKeys(r.Counts)) {
			fmt.Fprintf(&b, "%s,%s,%s,%d\n", r.Station, r.Contest, k, r.Counts[iltod.CountKind(k)])
			rows++
		}
		for _, c := range slices.Sorted(mapKeys(r.Votes)) {
			fmt.Fprintf(&b, "%s,%s,%s,%d\n", r.Station, r.Contest, c, r.Votes[c])
			rows++
		}
	}
	file := filepath.Join(t.TempDir(), "official.csv")
	os.WriteFile(file, []byte(b.String()), 0o644)
	for kind, store := range storeArgs(t) {
		if out, err := exec.Command(bin, append(append([]string{"load"}, store...), src)...).CombinedOutput(); err != nil {
			t.Fatalf("load: %v\n%s", err, out)
		}
		imp := func() *exec.Cmd {
			return exec.Command(bin, append(append([]string{"import"}, store...), "-election", pkg.Election.ID, "-file", file, "-source", "soak", "-published", "2024-06-29")...)
		}
		start := time.Now()
		if out, err := imp().CombinedOutput(); err != nil {
			t.Fatalf("import: %v\n%s", err, out)
		}
		took := time.Since(start)
		want := storedReleases(t, store, pkg.Election.ID)
		if len(want) != 1 {
			t.Fatalf("one import made %d releases", len(want))
		}
		outcomes := map[string]int{}
		for i := 0; i < crashes; i++ {
			cmd := imp()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(crashMoment(rng, took))
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			got := storedReleases(t, store, pkg.Election.ID)
			switch {
			case len(got) == len(want):
				outcomes["old"]++
			case len(got) == len(want)+1:
				outcomes["new"]++
				want = got
			default:
				t.Fatalf("%s: after a crash mid-import the store holds %d releases; before it, %d", kind, len(got), len(want))
			}
			for _, n := range got {
				if n != want[0] {
					t.Fatalf("%s: after a crash mid-import a release holds %d results, not %d: %v", kind, n, want[0], got)
				}
			}
			fig.add(func(f *soakFigures) { f.importCrashes++ })
		}
		t.Logf("%s: %d crashes mid-import of %d rows: %v", kind, crashes, rows, outcomes)
	}
}

func mapKeys[K ~string, V any](m map[K]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(string(k)) {
				return
			}
		}
	}
}

// storedReleases returns the number of results of each official release, by version.
func storedReleases(t *testing.T, store []string, id string) []int {
	t.Helper()
	s := openAfterCrash(t, store)
	defer s.Close()
	rels, err := s.OfficialReleases(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, r := range rels {
		out = append(out, r.Results)
	}
	return out
}
