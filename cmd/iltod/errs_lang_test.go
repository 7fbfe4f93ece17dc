package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iltod/iltod/locales"
)

// TestStoreCommandsInEachLanguage runs commands on a loaded election in Mongolian and in
// English: the application's and the analysis's errors are in the language asked for,
// with the same exit code, and so is the reason a PVT estimate or a seat projection is
// missing.
func TestStoreCommandsInEachLanguage(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	if code, _, stderr := runIn(nil, "load", "-lang", "en", "-data", data, exampleDir); code != 0 {
		t.Fatalf("load: exit %d: %s", code, stderr)
	}
	for _, c := range []struct {
		name string
		args []string
		key  string // the error's message
		data locales.Args
	}{
		// internal/app: a reviewer's decision needs a reason.
		{"record without a reason", []string{"record", "-election", "example-2024", "-station", "UB-001", "-form", "closing",
			"-resolve", "T", "-value", "1", "-reason", " "}, "error.app.reason_required", nil},
		// internal/analysis: a sample stratified by what is not an area level.
		{"sample by no level", []string{"sample", "-election", "example-2024", "-size", "10", "-seed", "1", "-by", "bogus"},
			"stats.analysis.err_stratify", locales.Args{"By": `"bogus"`, "Stratum": `"stratum"`, "None": `"none"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, lang := range []string{"mn", "en"} {
				code, stdout, stderr := runIn(nil, append(c.args, "-lang", lang, "-data", data)...)
				want := "iltod " + c.args[0] + ": " + locales.For(lang).T(c.key, c.data) + "\n"
				if code != 1 || stdout != "" || stderr != want {
					t.Errorf("%s: exit %d (want 1), stdout %q; stderr %q, want %q", lang, code, stdout, stderr, want)
				}
				if hasCyrillic(want) != (lang == "mn") {
					t.Errorf("%s: %s is not in %s: %q", lang, c.key, lang, want)
				}
			}
		})
	}
	// Without a sample there is no estimate and no projection: the tables say why.
	for _, lang := range []string{"mn", "en"} {
		p := locales.For(lang)
		why := p.T("stats.analysis.no_sample")
		code, stdout, stderr := runIn(nil, "pvt", "-lang", lang, "-data", data, "-election", "example-2024")
		if want := p.T("cli.pvt.no_estimate", locales.Args{"Reason": why}); code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("%s: pvt: exit %d, %s; stdout lacks %q:\n%s", lang, code, stderr, want, stdout)
		}
		code, stdout, stderr = runIn(nil, "seats", "-lang", lang, "-data", data, "-election", "example-2024")
		because := p.T("stats.analysis.seats_no_pvt_because", locales.Args{"Contest": "C1", "Reason": why})
		if want := p.T("cli.seats.no_projection", locales.Args{"Reason": because}); code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("%s: seats: exit %d, %s; stdout lacks %q:\n%s", lang, code, stderr, want, stdout)
		}
	}
}

// TestLoadProblemsInEachLanguage checks that `iltod load -lang mn` lists an election
// package's problems in Mongolian, at the same file, line and field, with the same exit
// code as in English: the problems found by the domain's validation (package iltod) keep
// their message as data through package electionpkg.
func TestLoadProblemsInEachLanguage(t *testing.T) {
	t.Parallel()
	for _, b := range []struct {
		file, old, new string
		where, key     string
		data           locales.Args
	}{
		{"stations.csv", "UB-002,UB-BG-01", "UB-001,UB-BG-01", "stations.csv:3: code: ", "error.package.duplicate_station", locales.Args{"Code": `"UB-001"`}},
		{"areas.csv", "UB-BG-01,UB-BG,", "UB-BG-01,UB-XX,", "areas.csv:6: parent: ", "error.package.unknown_parent", locales.Args{"Area": `"UB-XX"`}},
		// Found while reading the files (package electionpkg).
		{"stations.csv", "47.91,106.88", "47.91,east", "stations.csv:2: lon: ", "error.package.not_number", locales.Args{"Value": `"east"`}},
		{"forms/results.yaml", "choice: L-BLUE", "choice: L-GREEN", "forms/results.yaml:14: questions[7].choice: ", "error.package.no_choice",
			locales.Args{"Contest": `"LIST"`, "Choice": `"L-GREEN"`}},
	} {
		dir := copyDir(t, exampleDir)
		replaceIn(t, filepath.Join(dir, b.file), b.old, b.new)
		for _, lang := range []string{"mn", "en"} {
			want := b.where + locales.For(lang).T(b.key, b.data) + "\n"
			code, stdout, stderr := runIn(nil, "load", "-lang", lang, "-check", dir)
			if code != 1 || stdout != "" || !strings.Contains(stderr, want) {
				t.Errorf("%s %s: exit %d (want 1), stdout %q; stderr %q lacks %q", b.file, lang, code, stdout, stderr, want)
			}
			if hasCyrillic(want) != (lang == "mn") {
				t.Errorf("%s: %s is not in %s: %q", b.file, b.key, lang, want)
			}
		}
	}
}

// TestImportProblemsInEachLanguage imports a file of official results with mistakes, in
// Mongolian and in English: the same exit code, each problem at the same line and column,
// its message and the heading in the language asked for.
func TestImportProblemsInEachLanguage(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	if code, _, stderr := runIn(nil, "load", "-lang", "en", "-data", data, exampleDir); code != 0 {
		t.Fatalf("load: exit %d: %s", code, stderr)
	}
	file := filepath.Join(t.TempDir(), "r.csv")
	if err := os.WriteFile(file, []byte("station,contest,choice,votes\nUB-001,C1,C1-1,5\nXX-999,C1,C1-1,5\nUB-002,C1,C1-1,-4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"mn", "en"} {
		p := locales.For(lang)
		code, stdout, stderr := runIn(nil, "import", "-lang", lang, "-data", data, "-election", "example-2024", "-file", file, "-source", "test")
		want := "iltod import: " + p.N("error.official.problems", 2) + "\n" +
			"r.csv:3: station: " + p.T("error.official.unknown_station", locales.Args{"Station": `"XX-999"`, "Mapped": ""}) + "\n" +
			"r.csv:4: votes: " + p.T("error.package.is_negative", locales.Args{"Value": "-4"}) + "\n"
		if code != 1 || stdout != "" || stderr != want {
			t.Errorf("%s: exit %d (want 1), stdout %q; stderr\n%s\nwant\n%s", lang, code, stdout, stderr, want)
		}
		if hasCyrillic(stderr) != (lang == "mn") {
			t.Errorf("%s: %q", lang, stderr)
		}
	}
}

// TestVerifyFailureInEachLanguage checks that `iltod verify -lang mn` says what kind of
// failure it found in Mongolian, with the same exit code as in English, and leaves the
// evidence, which partners compare, exactly as package tlog writes it.
func TestVerifyFailureInEachLanguage(t *testing.T) {
	t.Parallel()
	env, err := os.ReadFile(filepath.Join(exampleLog, "envelope.json"))
	if err != nil {
		t.Fatal(err)
	}
	altered := filepath.Join(t.TempDir(), "altered.json")
	if err := os.WriteFile(altered, bytes.Replace(env, []byte("key"), []byte("kex"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"verify", "envelope", "-vkey", filepath.Join(exampleLog, "log.vkey"), altered, filepath.Join(exampleLog, "receipt.tlog-proof")}
	_, en, _ := runIn(nil, append([]string{"-lang", "en"}, args...)...)
	code, mn, stderr := runIn(nil, append([]string{"-lang", "mn"}, args...)...)
	p := locales.For("mn")
	detail, evidence, ok := strings.Cut(strings.TrimPrefix(en, "FAILED: "), "\n")
	if code != 1 || !ok || !strings.HasPrefix(en, "FAILED: leaf: ") {
		t.Fatalf("exit %d, stderr %q; English output:\n%s", code, stderr, en)
	}
	want := p.T("cli.verify.failed", locales.Args{"Reason": p.T("error.tlog.detail", locales.Args{"Failure": p.T("error.tlog.leaf"), "Detail": detail})})
	if !strings.HasPrefix(mn, want+"\n") || !hasCyrillic(want) {
		t.Errorf("Mongolian output does not begin %q:\n%s", want, mn)
	}
	// The evidence is the same bytes under a heading in each language.
	if i := strings.Index(mn, "--- leaf ---"); i < 0 || !strings.HasSuffix(evidence, mn[i:]) {
		t.Errorf("the evidence differs between the languages:\n%s\n---\n%s", en, mn)
	}
}
