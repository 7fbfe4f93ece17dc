package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/note"

	"github.com/iltod/iltod/internal/backup"
	"github.com/iltod/iltod/internal/witnesstest"
	"github.com/iltod/iltod/tlog"
)

// TestBackupRestore backs up a running server under load, on SQLite and on PostgreSQL,
// restores the backup into a fresh directory (and a fresh schema), and starts a server
// on it: every report acknowledged before the backup began is there with a receipt that
// verifies, and the restored log extends the last checkpoint published before the
// backup, which restore was also given to check. A backup older than the latest
// checkpoint, a tampered one, a damaged one, and one without its key are refused,
// leaving nothing behind.
func TestBackupRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server as a separate process")
	}
	bin := buildIltod(t)
	for kind, store := range storeArgs(t) {
		t.Run(kind, func(t *testing.T) {
			in := newInstallation(t, bin, store, 4)
			srv := serve(t, bin, in.store)
			in.claim(t, srv)
			v := in.verifier(t)

			var l load
			stop := l.start(context.Background(), srv.base, in.keys, "bk", false)
			time.Sleep(700 * time.Millisecond)
			before := time.Now()
			witnessed := checkpoint(t, srv) // the last checkpoint published before the backup
			out := filepath.Join(t.TempDir(), "iltod.backup")
			args := append(append([]string{"backup"}, in.store...), "-out", out)
			if kind == "postgres" {
				args = append(args, "-include-key")
			}
			if b, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
				t.Fatalf("backup: %v\n%s", err, b)
			}
			time.Sleep(500 * time.Millisecond) // more reports, after the backup
			stop()
			acks := l.acked()
			var early []acked
			for _, a := range acks {
				if a.at.Before(before) {
					early = append(early, a)
				}
			}
			if len(early) < 50 || len(early) == len(acks) {
				t.Fatalf("%d reports acknowledged before the backup and %d in all: the test proves little", len(early), len(acks))
			}
			latest := checkAcked(t, v, srv, acks, witnessed)
			srv.stop()

			dir := t.TempDir()
			witnessedFile := filepath.Join(dir, "witnessed")
			latestFile := filepath.Join(dir, "latest")
			os.WriteFile(witnessedFile, witnessed, 0o644)
			os.WriteFile(latestFile, latest, 0o644)
			target := func() []string {
				d := filepath.Join(t.TempDir(), "restored")
				if kind == "postgres" {
					return append([]string{"-data", d}, storeArgs(t)["postgres"]...)
				}
				return []string{"-data", d}
			}
			restore := func(target []string, file string, extra ...string) (bool, string) {
				a := []string{"restore", "-lang", "en", "-in", file}
				a = append(a, target...)
				if kind == "sqlite" {
					a = append(a, "-key", filepath.Join(in.data, "log.key"))
				}
				b, err := exec.Command(bin, append(a, extra...)...).CombinedOutput()
				return err == nil, string(b)
			}
			// What a refused restore must leave: no directory, an empty database.
			untouched := func(target []string) {
				t.Helper()
				if _, err := os.Stat(target[1]); !os.IsNotExist(err) {
					t.Errorf("a refused restore left %s behind", target[1])
				}
				if len(target) == 4 {
					if n := pgEvents(t, target[3]); n != 0 {
						t.Errorf("a refused restore left %d events in the database", n)
					}
				}
			}

			// Older than what the witnesses hold: refused.
			tg := target()
			if ok, msg := restore(tg, out, "-checkpoint", latestFile); ok || !strings.Contains(msg, "older than what observers hold receipts for") {
				t.Fatalf("a backup older than the latest checkpoint was restored:\n%s", msg)
			}
			untouched(tg)

			// Tampered: one event's hash, or one report's envelope, changed, the manifest's
			// hashes made to match.
			for _, what := range []string{"hash", "envelope"} {
				tampered := tamper(t, out, kind, what)
				tg = target()
				if ok, msg := restore(tg, tampered); ok || !strings.Contains(msg, "is not what its log commits to") {
					t.Fatalf("a backup with a tampered %s was restored:\n%s", what, msg)
				}
				untouched(tg)
			}

			// Damaged: one byte of the log changed, the manifest left alone.
			damaged := repack(t, out, func(name string, data []byte) []byte {
				if name == "log/checkpoint" {
					data = append([]byte(nil), data...)
					data[len(data)-3] ^= 1
				}
				return data
			}, false)
			tg = target()
			if ok, msg := restore(tg, damaged); ok || !strings.Contains(msg, "damaged") {
				t.Fatalf("a damaged backup was restored:\n%s", msg)
			}
			untouched(tg)

			if kind == "sqlite" {
				// A checkpoint the log's key signed over another history: a fork.
				skey, _ := os.ReadFile(filepath.Join(in.data, "log.key"))
				signer, err := note.NewSigner(strings.TrimSpace(string(skey)))
				if err != nil {
					t.Fatal(err)
				}
				fake := make([]byte, 32)
				rand.Read(fake)
				forged, err := note.Sign(&note.Note{Text: fmt.Sprintf("%s\n5\n%s\n", faultOrigin, base64.StdEncoding.EncodeToString(fake))}, signer)
				if err != nil {
					t.Fatal(err)
				}
				forgedFile := filepath.Join(dir, "forged")
				os.WriteFile(forgedFile, forged, 0o644)
				tg = target()
				if ok, msg := restore(tg, out, "-checkpoint", forgedFile); ok || !strings.Contains(msg, "it is not this log's history") {
					t.Fatalf("a backup was restored against a forked checkpoint:\n%s", msg)
				}
				untouched(tg)

				tg = target()
				if b, err := exec.Command(bin, "restore", "-lang", "en", "-in", out, "-data", tg[1]).CombinedOutput(); err == nil || !strings.Contains(string(b), "-key FILE") {
					t.Fatalf("a backup without its key was restored without -key:\n%s", b)
				}
				untouched(tg)
			}

			// The real thing.
			tg = target()
			ok, msg := restore(tg, out, "-checkpoint", witnessedFile)
			if !ok || !strings.Contains(msg, "the store holds the tree of the witnessed checkpoint") {
				t.Fatalf("restore: %s", msg)
			}
			restored := serve(t, bin, tg)
			rv := (&installation{data: tg[1]}).verifier(t)
			checkAcked(t, rv, restored, early, witnessed)
			t.Logf("%s: %d reports acknowledged before the backup, all restored and proved in the restored log; %d in all", kind, len(early), len(acks))
		})
	}
}

// pgEvents counts the events in the database of dsn, 0 if it has no events table.
func pgEvents(t *testing.T, dsn string) int {
	t.Helper()
	c, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	var n int
	if err := c.QueryRow(context.Background(), `SELECT count(*) FROM events`).Scan(&n); err != nil {
		return 0
	}
	return n
}

// tamper returns a copy of the backup file in which the hash of event 3 (what "hash")
// or the envelope of the last report ("envelope") is changed, with the manifest's
// hashes recomputed, as a forger would.
func tamper(t *testing.T, file, kind, what string) string {
	t.Helper()
	return repack(t, file, func(name string, data []byte) []byte {
		switch {
		case kind == "sqlite" && name == "store/iltod.db":
			p := filepath.Join(t.TempDir(), "db")
			os.WriteFile(p, data, 0o600)
			db, err := sql.Open("sqlite", p)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			rows, _ := db.Query(`SELECT name FROM sqlite_master WHERE type = 'trigger'`)
			var triggers []string
			for rows.Next() {
				var n string
				rows.Scan(&n)
				triggers = append(triggers, n)
			}
			rows.Close()
			for _, n := range triggers {
				if _, err := db.Exec(`DROP TRIGGER "` + n + `"`); err != nil {
					t.Fatal(err)
				}
			}
			q := `UPDATE events SET hash = randomblob(32) WHERE seq = 3`
			if what == "envelope" {
				q = `UPDATE submissions SET envelope = (SELECT envelope FROM submissions WHERE seq = (SELECT min(seq) FROM submissions))
					WHERE seq = (SELECT max(seq) FROM submissions)`
			}
			res, err := db.Exec(q)
			if err != nil {
				t.Fatal(err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				t.Fatal("the tamper changed no event")
			}
			db.Close()
			b, _ := os.ReadFile(p)
			return b
		case kind == "postgres" && what == "hash" && name == "store/postgres/events.copy":
			return editCopyRow(t, data, "3\t", 4) // seq, election, kind, subject, hash
		case kind == "postgres" && what == "envelope" && name == "store/postgres/submissions.copy":
			return editCopyRow(t, data, "", -1)
		}
		return data
	}, true)
}

// repack rewrites the backup file with edit applied to every member, recomputing the
// manifest's hashes if fix.
func repack(t *testing.T, file string, edit func(name string, data []byte) []byte, fix bool) string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	out := filepath.Join(t.TempDir(), "edited.backup")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	sums := map[string]string{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		if hdr.Name == backup.ManifestName {
			if fix {
				var m backup.Manifest
				json.Unmarshal(data, &m)
				for k, v := range sums {
					m.Files[k] = v
				}
				data, _ = json.Marshal(m)
			}
		} else {
			data = edit(hdr.Name, data)
			s := sha256.Sum256(data)
			sums[hdr.Name] = hex.EncodeToString(s[:])
		}
		hdr.Size = int64(len(data))
		tw.WriteHeader(hdr)
		tw.Write(data)
	}
	tw.Close()
	zw.Close()
	if err := os.WriteFile(out, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

// editCopyRow changes the last hex digit of a bytea column (col, or the last bytea
// column, if -1, the longest) in the first row of COPY text data that starts with prefix.
func editCopyRow(t *testing.T, data []byte, prefix string, col int) []byte {
	t.Helper()
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		if l == "" || !strings.HasPrefix(l, prefix) {
			continue
		}
		f := strings.Split(l, "\t")
		if col < 0 {
			for j := range f {
				if strings.HasPrefix(f[j], `\\x`) && (col < 0 || len(f[j]) > len(f[col])) {
					col = j
				}
			}
		}
		if col < 0 || !strings.HasPrefix(f[col], `\\x`) {
			t.Fatalf("no bytea column in %q", l)
		}
		c := []byte(f[col])
		if c[len(c)-1] == '0' {
			c[len(c)-1] = '1'
		} else {
			c[len(c)-1] = '0'
		}
		f[col] = string(c)
		lines[i] = strings.Join(f, "\t")
		return []byte(strings.Join(lines, "\n"))
	}
	t.Fatalf("no row starting with %q in the backup", prefix)
	return nil
}

// TestBackupRestoreWitnessed runs the server with a real witness (litewitness) and
// restores its backup under the witness policy: restore refuses a checkpoint without the
// witness's cosignature, accepts the witnessed one, and the restored server's log is
// cosigned by the same witness as it grows — the witness saw no fork. Once it has grown,
// the backup is older than what the witness holds, and restore refuses it.
func TestBackupRestoreWitnessed(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server and litewitness as separate processes")
	}
	bin := buildIltod(t)
	w := witnesstest.Start(t, "witness.test/w1")
	data := t.TempDir()
	skey, vkey, err := note.GenerateKey(rand.Reader, faultOrigin)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(data, "log.key"), []byte(skey+"\n"), 0o600)
	w.AddLog(t, faultOrigin, vkey)
	dir := t.TempDir()
	policy := filepath.Join(dir, "policy")
	os.WriteFile(policy, witnesstest.Policy(vkey, w), 0o644)
	pol, err := tlog.ParsePolicy(witnesstest.Policy(vkey, w))
	if err != nil {
		t.Fatal(err)
	}
	v, err := tlog.NewVerifier(vkey, pol)
	if err != nil {
		t.Fatal(err)
	}

	in := newInstallation(t, bin, []string{"-data", data}, 2)
	srv := serve(t, bin, append(in.store, "-witness-policy", policy))
	in.claim(t, srv)
	send := func(srv *server, tag string) []acked {
		ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
		defer cancel()
		var l load
		l.run(ctx, srv.base, in.keys, tag, false)
		if len(l.acked()) == 0 {
			t.Fatalf("no report acknowledged: %v\n%s", l.lastErr.Load(), srv.logs)
		}
		return l.acked()
	}
	acks := send(srv, "w")
	witnessed := checkAcked(t, v, srv, acks)
	cp, err := v.VerifyCheckpoint(witnessed)
	if err != nil || len(cp.Cosigners) != 1 {
		t.Fatalf("the server's checkpoint is not witnessed: %v %v", err, cp)
	}
	out := filepath.Join(dir, "iltod.backup")
	if b, err := exec.Command(bin, "backup", "-data", data, "-out", out).CombinedOutput(); err != nil {
		t.Fatalf("backup: %v\n%s", err, b)
	}
	srv.stop()

	restore := func(cpFile string) (string, bool, string) {
		tg := filepath.Join(t.TempDir(), "restored")
		b, err := exec.Command(bin, "restore", "-lang", "en", "-in", out, "-data", tg, "-key", filepath.Join(data, "log.key"),
			"-vkey", filepath.Join(data, "log.vkey"), "-witness-policy", policy, "-checkpoint", cpFile).CombinedOutput()
		return tg, err == nil, string(b)
	}
	// Without the witness's cosignature the checkpoint fails the policy.
	var kept []string
	for _, l := range strings.SplitAfter(string(witnessed), "\n") {
		if !strings.HasPrefix(l, "— "+w.Name+" ") {
			kept = append(kept, l)
		}
	}
	stripped := filepath.Join(dir, "stripped")
	os.WriteFile(stripped, []byte(strings.Join(kept, "")), 0o644)
	if tg, ok, msg := restore(stripped); ok || !strings.Contains(msg, "-checkpoint does not verify") {
		t.Fatalf("a checkpoint without the witness's cosignature was accepted:\n%s", msg)
	} else if _, err := os.Stat(tg); !os.IsNotExist(err) {
		t.Fatalf("a refused restore left %s", tg)
	}

	witnessedFile := filepath.Join(dir, "witnessed")
	os.WriteFile(witnessedFile, witnessed, 0o644)
	tg, ok, msg := restore(witnessedFile)
	if !ok {
		t.Fatalf("restore: %s", msg)
	}
	restored := serve(t, bin, []string{"-data", tg, "-witness-policy", policy})
	checkAcked(t, v, restored, acks, witnessed)
	more := send(restored, "w2")
	latest := checkAcked(t, v, restored, append(acks, more...), witnessed)
	lcp, _ := v.VerifyCheckpoint(latest)
	if n := w.TreeSize(t, faultOrigin); uint64(n) != lcp.Size || lcp.Size <= cp.Size {
		t.Fatalf("the witness holds size %d; the restored log's checkpoint is %d, the backup's %d", n, lcp.Size, cp.Size)
	}
	latestFile := filepath.Join(dir, "latest")
	os.WriteFile(latestFile, latest, 0o644)
	if _, ok, msg := restore(latestFile); ok || !strings.Contains(msg, "older than what observers hold receipts for") {
		t.Fatalf("a backup older than the witness's checkpoint was restored:\n%s", msg)
	}
	t.Logf("the witness cosigned the restored log from size %d to %d", cp.Size, lcp.Size)
}
