package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/iltod/iltod/internal/plaincsv"
	"github.com/iltod/iltod/locales"
)

// The command line speaks the language that -lang names, or the environment's; what it
// prints for programs is the same in every language.

// runIn runs the command line with the environment variables env and returns its exit
// code and output.
func runIn(env map[string]string, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// forensicsArgs screens the small test file, with areas and two digit columns.
func forensicsArgs(lang string) []string {
	return []string{"forensics", "-lang", lang, "-in", plainData + "stations.csv", "-registered", "registered", "-cast", "cast",
		"-leader", "A", "-station", "code", "-area", "region", "-choices", "A,B"}
}

// TestForensicsInEachLanguage runs `iltod forensics -lang mn|en -in FILE`: the headings
// of its tables, its sentences and the notes of the screens are in the language asked
// for, and none of the other language's.
func TestForensicsInEachLanguage(t *testing.T) {
	t.Parallel()
	var res plaincsv.ForensicsResult
	plainJSON(t, &res, forensicsArgs("en")...)
	notes := func(lang string) []string {
		return []string{res.Integer.Note[lang], res.Fingerprint.Note[lang], res.Digits[0].Note[lang], res.Flags.Note[lang]}
	}
	// The headings and sentences a person reads, by the key of their message.
	keys := []string{
		"cli.column.stations_with", "cli.column.observed", "cli.column.expected", "cli.column.excess",
		"cli.column.turnout_up_to", "cli.column.leader_votes", "cli.column.counts", "cli.column.mean_z",
		"cli.forensics.fp_title", "cli.forensics.integer_turnout", "cli.forensics.integer_either", "cli.forensics.fp_mean_turnout",
		"cli.code.second_digit", "cli.code.last_digit", "cli.code.over_registered",
	}
	for _, c := range []struct{ lang, other string }{{"mn", "en"}, {"en", "mn"}} {
		t.Run(c.lang, func(t *testing.T) {
			code, out, errOut := runIn(nil, forensicsArgs(c.lang)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			p, other := locales.For(c.lang), locales.For(c.other)
			for _, k := range keys {
				if want := p.T(k); !strings.Contains(out, want) {
					t.Errorf("%s lacks %s %q:\n%s", c.lang, k, want, out)
				}
				if o := other.T(k); strings.Contains(out, o) {
					t.Errorf("%s holds %s's %s %q:\n%s", c.lang, c.other, k, o, out)
				}
			}
			for i, n := range notes(c.lang) {
				if n == "" || !strings.Contains(out, n) {
					t.Errorf("%s lacks note %d %q", c.lang, i, n)
				}
			}
			for i, n := range notes(c.other) {
				if strings.Contains(out, n) {
					t.Errorf("%s holds %s's note %d %q", c.lang, c.other, i, n)
				}
			}
			if got := hasCyrillic(out); got != (c.lang == "mn") {
				t.Errorf("%s: Cyrillic in the output: %v", c.lang, got)
			}
		})
	}

	// Without -lang, the environment decides, in POSIX order; a locale the catalogue does
	// not speak gives Mongolian, the default.
	args := forensicsArgs("en")[3:]
	args = append([]string{"forensics"}, args...)
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"LANG": "mn_MN.UTF-8"}, "mn"},
		{map[string]string{"LANG": "en_GB.UTF-8"}, "en"},
		{map[string]string{"LANG": "en_GB.UTF-8", "LC_MESSAGES": "mn_MN"}, "mn"},
		{map[string]string{"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "mn_MN"}, "en"},
		{map[string]string{"LANG": "C.UTF-8"}, "mn"},
	} {
		code, out, errOut := runIn(c.env, args...)
		if want := locales.For(c.want).T("cli.forensics.fp_title"); code != 0 || !strings.Contains(out, want) {
			t.Errorf("environment %v: exit %d, want the heading %q:\n%s%s", c.env, code, want, out, errOut)
		}
	}
}

// TestErrorsInEachLanguage checks that an error is reported in the language asked for,
// with the same exit code: 1 for a file that is not there, 2 for a mistake in the command
// line, whether found by package flag, by the command or by the analysis.
func TestErrorsInEachLanguage(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nowhere.csv")
	for _, c := range []struct {
		name string
		args []string
		code int
		key  string       // the error's message
		data locales.Args // and its data
	}{
		{"missing file", []string{"forensics", "-in", missing, "-registered", "r", "-cast", "c", "-leader", "A"}, 1,
			"cli.csv.not_found", locales.Args{"File": missing}},
		{"missing flag", []string{"forensics", "-in", missing, "-registered", "r", "-cast", "c"}, 2,
			"cli.opt.give", locales.Args{"Flag": "-leader COL", "What": locales.Key("cli.want.leader")}},
		{"unknown flag", []string{"forensics", "-in", missing, "-bogus"}, 2, "cli.error.flag_undefined", locales.Args{"Flag": "bogus"}},
		{"json and csv", []string{"pvt", "-in", missing, "-json", "-csv"}, 2, "cli.error.json_csv", nil},
		{"no folder", []string{"load"}, 2, "cli.load.one_folder", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, lang := range []string{"mn", "en"} {
				code, stdout, stderr := runIn(nil, append(c.args, "-lang", lang)...)
				want := "iltod " + c.args[0] + ": " + locales.For(lang).T(c.key, c.data) + "\n"
				if code != c.code || stdout != "" || !strings.HasSuffix(stderr, want) {
					t.Errorf("%s: exit %d (want %d), stdout %q; stderr %q, want it to end in %q", lang, code, c.code, stdout, stderr, want)
				}
				if hasCyrillic(want) != (lang == "mn") {
					t.Errorf("%s: %s is not in %s: %q", lang, c.key, lang, want)
				}
			}
		})
	}
	// A package's problems are listed under a heading in the language asked for.
	empty := t.TempDir()
	for _, lang := range []string{"mn", "en"} {
		code, _, stderr := runIn(nil, "load", "-lang", lang, "-check", empty)
		if want := "iltod load: " + locales.For(lang).N("cli.load.problems", 1) + "\n"; code != 1 || !strings.HasPrefix(stderr, want) {
			t.Errorf("%s: load of an empty folder: exit %d, stderr %q; want it to begin %q", lang, code, stderr, want)
		}
	}
	// -lang may stand before the command too.
	if code, _, stderr := runIn(nil, "-lang", "en", "load"); code != 2 || !strings.HasSuffix(stderr, "iltod load: give exactly one package folder\n") {
		t.Errorf("-lang en load: exit %d: %s", code, stderr)
	}
	// A language the catalogue does not speak is itself a usage error.
	if code, _, stderr := runIn(map[string]string{"LANG": "en_US.UTF-8"}, "forensics", "-lang", "fr"); code != 2 || !strings.Contains(stderr, `-lang "fr": give one of mn, en`) {
		t.Errorf("-lang fr: exit %d: %s", code, stderr)
	}
}

// TestHelpInEachLanguage checks that usage and flag help follow -lang, while flag names
// and metavariables stay as they are.
func TestHelpInEachLanguage(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"mn", "en"} {
		p := locales.For(lang)
		code, _, help := runIn(nil, "forensics", "-in", "x", "-h", "-lang", lang)
		if code != 0 {
			t.Fatalf("%s: -h: exit %d", lang, code)
		}
		for _, want := range []string{p.T("cli.flags"), "-registered COL", "-in FILE", "-lang string", strings.SplitN(p.T("cli.flag.json"), " ", 2)[0]} {
			if !strings.Contains(help, want) {
				t.Errorf("%s: the help lacks %q:\n%s", lang, want, help)
			}
		}
		if hasCyrillic(help) != (lang == "mn") {
			t.Errorf("%s: Cyrillic in the help: %v", lang, !hasCyrillic(help))
		}
		_, _, usage := runIn(map[string]string{"LANG": lang})
		if !strings.Contains(usage, p.T("cli.cmd.forensics")) || !strings.Contains(usage, "  forensics ") {
			t.Errorf("%s: iltod alone:\n%s", lang, usage)
		}
	}
}

// TestMachineOutputInEachLanguage checks that what each analysis prints for programs,
// -csv and -json, is the same in both languages, with numbers written plainly.
func TestMachineOutputInEachLanguage(t *testing.T) {
	t.Parallel()
	stations := plainData + "stations.csv"
	for _, args := range [][]string{
		{"sample", "-in", stations, "-station", "code", "-stratum", "region", "-size", "4", "-seed", "9", "-reserves", "1"},
		{"sample", "-plan", "-in", stations, "-choices", "A,B", "-valid", "valid"},
		{"pvt", "-in", stations, "-station", "code", "-choices", "A,B", "-valid", "valid", "-cast", "cast", "-registered", "registered", "-population", "40", "-majority", "0.5"},
		{"compare", "-in", stations, "-official", stations, "-station", "code", "-choices", "A,B", "-valid", "valid"},
		forensicsArgs("en")[3:],
		{"seats", "-in", plainData + "seats-10-by-district.csv", "-choice", "list", "-votes", "votes", "-party", "party",
			"-seats", "10", "-system", "list_pr", "-method", "sainte_lague", "-threshold", "0.05", "-threshold-base", "valid"},
	} {
		if args[0] == "-in" {
			args = append([]string{"forensics"}, args...)
		}
		for _, format := range []string{"-csv", "-json"} {
			var outs []string
			for _, lang := range []string{"mn", "en"} {
				code, out, errOut := runIn(nil, append(append([]string{}, args...), format, "-lang", lang)...)
				if code != 0 {
					t.Fatalf("%s %s -lang %s: exit %d: %s", args[0], format, lang, code, errOut)
				}
				outs = append(outs, out)
			}
			if outs[0] != outs[1] {
				t.Errorf("%s %s differs between Mongolian and English:\n%s\n---\n%s", args[0], format, outs[0], outs[1])
			}
			// JSON carries notes in every language (iltod.Text); CSV holds no words.
			if format == "-csv" && hasCyrillic(outs[0]) {
				t.Errorf("%s %s holds Cyrillic:\n%s", args[0], format, outs[0])
			}
			if format == "-json" && !json.Valid([]byte(outs[0])) {
				t.Errorf("%s -json is not JSON:\n%s", args[0], outs[0])
			}
		}
	}
	// The seats file's votes run to six digits: CSV writes them without separators,
	// the table for people with them.
	seats := []string{"seats", "-in", plainData + "seats-10-by-district.csv", "-choice", "list", "-votes", "votes", "-seats", "10",
		"-system", "list_pr", "-method", "dhondt"}
	_, csvOut, _ := runIn(nil, append(seats, "-csv", "-lang", "mn")...)
	_, text, _ := runIn(nil, append(seats, "-lang", "mn")...)
	rows, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
	if err != nil || len(rows) < 2 || rows[0][2] != "votes" {
		t.Fatalf("seats -csv: %v\n%s", err, csvOut)
	}
	votes, err := strconv.ParseInt(rows[1][2], 10, 64)
	if err != nil || votes < 1000 || !strings.Contains(text, locales.For("mn").Int(votes)) {
		t.Errorf("seats: %q in CSV, want a plain number above 999 written grouped in the table:\n%s", rows[1][2], text)
	}
}
