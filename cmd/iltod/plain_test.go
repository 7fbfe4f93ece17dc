package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/plaincsv"
	"github.com/iltod/iltod/stats/pvt"
)

// The analyses on plain files are tested in package plaincsv; these tests check that each
// command's flags reach them, and how the command line reports what they return.

// plainData is the small files package plaincsv tests with.
const plainData = "../../internal/plaincsv/testdata/"

// plainOK runs the command line and fails the test unless it succeeds.
func plainOK(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := iltodCmd(t, args...)
	if code != 0 {
		t.Fatalf("iltod %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	return stdout
}

// plainJSON runs the command line with -json and decodes its output into v.
func plainJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	out := plainOK(t, append(args, "-json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("iltod %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestPlainCommands runs each analysis command on a plain file and checks that its flags
// took effect, in each output format.
func TestPlainCommands(t *testing.T) {
	t.Parallel()
	stations := plainData + "stations.csv"

	t.Run("sample", func(t *testing.T) {
		var s pvt.Sample
		plainJSON(t, &s, "sample", "-in", stations, "-station", "code", "-stratum", "region", "-size", "4", "-seed", "9", "-reserves", "1")
		if s.Size != 4 || s.Seed != 9 || s.Reserves != 1 || len(s.Strata) != 2 || len(s.Strata[0].Reserves) != 1 {
			t.Errorf("sample %+v; want 4 stations in 2 strata, seed 9, a reserve each", s)
		}
		rows, err := csv.NewReader(strings.NewReader(plainOK(t, "sample", "-in", stations, "-station", "code", "-size", "3", "-seed", "9", "-csv"))).ReadAll()
		if err != nil || len(rows) != 4 || strings.Join(rows[0], ",") != "stratum,station,role" || rows[1][2] != "sample" {
			t.Errorf("sample -csv: %v %q; want a header and 3 sampled stations", err, rows)
		}
		var plan plaincsv.PlanResult
		plainJSON(t, &plan, "sample", "-plan", "-in", stations, "-choices", "A,B", "-valid", "valid", "-moe", "0.05", "-confidence", "0.9", "-report-rate", "0.8")
		if plan.MOE != 0.05 || plan.Confidence != 0.9 || plan.Plan.ReportRate != 0.8 || len(plan.Choices) != 2 || plan.Skipped != 1 || plan.Plan.Population != 6 {
			t.Errorf("plan %+v; want the flags' margin, confidence and report rate, over 6 stations with one skipped", plan)
		}
	})

	t.Run("pvt", func(t *testing.T) {
		strata := filepath.Join(t.TempDir(), "strata.csv")
		if err := os.WriteFile(strata, []byte("stratum,population\neast,30\nwest,40\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"pvt", "-in", stations, "-station", "code", "-stratum", "region", "-strata", strata, "-choices", "A,B", "-valid", "valid",
			"-cast", "cast", "-registered", "registered", "-majority", "0.5", "-official", "A=55%"}
		var out plaincsv.PVTResult
		plainJSON(t, &out, args...)
		if out.Rows != 7 || out.Skipped != 1 || out.Design.Strata["west"] != 40 || out.Result.Turnout == nil || out.Result.Runoff == nil ||
			len(out.Official) != 1 || out.Official[0].Share != 0.55 {
			t.Errorf("pvt %+v; want 7 rows, 1 skipped, west's 40 stations, turnout, a runoff call and A's official 55%%", out)
		}
		table := plainOK(t, args...)
		for _, want := range []string{"share A ", "Winner: ", "Official A 55.00%: ", "Coverage: "} {
			if !strings.Contains(table, want) {
				t.Errorf("the table lacks %q:\n%s", want, table)
			}
		}
	})

	t.Run("compare", func(t *testing.T) {
		var out plaincsv.CompareResult
		plainJSON(t, &out, "compare", "-in", stations, "-official", stations, "-station", "code", "-choices", "A,B", "-valid", "valid",
			"-tolerance", "3", "-official-share", "A=0.5")
		if out.Compared != 6 || out.Match.Exact != 6 || len(out.Tests) != 2 || out.Tests[0].NationalSource != "-official-share" || out.Tests[0].Collation.Official != 0.5 {
			t.Errorf("compare %+v; want 6 identical stations and A's published share 0.5", out)
		}
	})

	t.Run("forensics", func(t *testing.T) {
		var out plaincsv.ForensicsResult
		plainJSON(t, &out, "forensics", "-in", stations, "-registered", "registered", "-cast", "cast", "-leader", "A", "-station", "code",
			"-area", "region", "-choices", "A,B", "-mc", "10", "-seed", "7")
		if out.Stations != 6 || out.Skipped != 1 || out.IntegerMC == nil || out.IntegerMC.Replications != 10 || out.IntegerMC.Seed != 7 || strings.Join(out.DigitColumns, ",") != "A,B" {
			t.Errorf("forensics %+v; want 6 stations screened, 1 skipped, 10 replications from seed 7, digits of A and B", out)
		}
		table := plainOK(t, "forensics", "-in", stations, "-registered", "registered", "-cast", "cast", "-leader", "A")
		if !strings.Contains(table, "Without -area, every station is compared with all the others.") {
			t.Errorf("the table does not say that -area was not given:\n%s", table)
		}
	})

	t.Run("seats", func(t *testing.T) {
		var out plaincsv.SeatsResult
		plainJSON(t, &out, "seats", "-in", plainData+"seats-10-by-district.csv", "-choice", "list", "-votes", "votes", "-party", "party",
			"-seats", "10", "-system", "list_pr", "-method", "sainte_lague", "-threshold", "0.05", "-threshold-base", "valid",
			"-valid", "100000", "-blank", "5", "-lot", "public seed")
		if out.Contest.Seats != 10 || out.Contest.System.Method != "sainte_lague" || out.Totals.Valid != 100000 || out.Totals.Blank != 5 ||
			len(out.Result.Excluded) != 2 || out.Choices[0].Party != "PA" || out.Choices[0].Seats != 4 {
			t.Errorf("seats %+v; want 10 seats by Sainte-Laguë, two lists under the threshold, Party A's 4", out)
		}
	})
}

// TestPlainUsage checks how the command line reports failures: a wrong command line exits
// with code 2, bad data with code 1, and either prints nothing on standard output.
func TestPlainUsage(t *testing.T) {
	t.Parallel()
	stations := plainData + "stations.csv"
	pvtArgs := []string{"pvt", "-in", stations, "-station", "code", "-choices", "A,B", "-valid", "valid", "-population", "40"}
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown flag", append(pvtArgs[:len(pvtArgs):len(pvtArgs)], "-bogus", "1"), 2, "flag provided but not defined: -bogus"},
		{"stray argument", append(pvtArgs[:len(pvtArgs):len(pvtArgs)], "extra"), 2, `unexpected argument "extra"`},
		{"bad share", append(pvtArgs[:len(pvtArgs):len(pvtArgs)], "-official", "A=1.5"), 2, `-official: A="1.5" is not a share`},
		{"json and csv", append(pvtArgs[:len(pvtArgs):len(pvtArgs)], "-json", "-csv"), 2, "give -json or -csv, not both"},
		{"missing flag", []string{"pvt", "-in", stations, "-station", "code", "-choices", "A,B", "-population", "40"}, 2, "iltod pvt: give -valid COL"},
		{"missing column", []string{"pvt", "-in", stations, "-station", "code", "-choices", "A,B", "-valid", "Valid", "-population", "40"}, 1, `iltod pvt: ` + stations + `: no column "Valid" (named by -valid)`},
		{"plan with a draw's flag", []string{"sample", "-plan", "-in", stations, "-choices", "A", "-valid", "valid", "-size", "3"}, 2, "-size draws a sample; -plan only sizes one"},
		{"draw with a plan's flag", []string{"sample", "-in", stations, "-station", "code", "-size", "3", "-seed", "1", "-moe", "0.02"}, 2, "-moe applies only with -plan"},
		{"no seed", []string{"sample", "-in", stations, "-station", "code", "-size", "3"}, 2, "give -seed S"},
		{"seed without mc", []string{"forensics", "-in", stations, "-registered", "registered", "-cast", "cast", "-leader", "A", "-seed", "3"}, 2, "-seed applies only with -mc N"},
		{"seats data", []string{"seats", "-in", stations, "-choice", "code", "-votes", "name", "-seats", "3", "-system", "list_pr", "-method", "dhondt"}, 1, `column "name": "Hill school" is not a whole number`},
		{"seats contest", []string{"seats", "-in", stations, "-choice", "code", "-votes", "cast", "-seats", "3", "-system", "list_pr", "-method", "dhondt", "-threshold", "0.05"}, 2, "-threshold-base: is required with a threshold"},
		{"alliance of one", []string{"seats", "-in", plainData + "israel2022.csv", "-seats", "120", "-system", "list_pr", "-method", "dhondt", "-alliance", "likud"}, 2, `-alliance: "likud" names one list`},
		{"exempt unknown", []string{"seats", "-in", plainData + "israel2022.csv", "-seats", "120", "-system", "list_pr", "-method", "dhondt", "-exempt", "ssw"}, 2, `-exempt: no list is named "ssw"`},
		{"mmp without won", []string{"seats", "-in", plainData + "nz2023.csv", "-choice", "party", "-votes", "party_votes", "-seats", "120", "-system", "mmp", "-method", "sainte_lague"}, 2, "-system mmp needs -won COL"},
		{"compare", []string{"compare", "-in", stations, "-station", "code", "-choices", "A,B", "-valid", "valid"}, 2, "give -official FILE"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := iltodCmd(t, c.args...)
			if code != c.code || !strings.Contains(stderr, c.want) || stdout != "" {
				t.Errorf("exit %d (want %d); stderr %q, want it to contain %q; stdout %q", code, c.code, stderr, c.want, stdout)
			}
		})
	}
}

// TestSeatRulesCommands runs the commands of issue 18 on plain files of published
// results and checks the published seats: Israel 2022 (surplus agreements), New Zealand
// 2023 (overhang) and Scotland 2021 (additional members; the sources are in
// internal/plaincsv/testdata/README-seat-rules.md).
func TestSeatRulesCommands(t *testing.T) {
	t.Parallel()
	csvRows := func(args ...string) [][]string {
		t.Helper()
		rows, err := csv.NewReader(strings.NewReader(plainOK(t, append(args, "-csv")...))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	seatsOf := func(rows [][]string, nameCol int) map[string]string {
		m := map[string]string{}
		for _, r := range rows[1:] {
			m[r[nameCol]] = r[len(r)-2]
		}
		return m
	}
	israel := []string{"seats", "-in", plainData + "israel2022.csv", "-system", "list_pr", "-method", "dhondt", "-seats", "120",
		"-threshold", "0.0325", "-threshold-base", "valid", "-valid", "4764742"}
	rows := csvRows(append(israel, "-alliance", "likud+religious-zionism,yesh-atid+national-unity,shas+utj,labor+meretz")...)
	if got := strings.Join(rows[0], ","); got != "choice,party,votes,share,seats,note" {
		t.Errorf("header %s", got)
	}
	s := seatsOf(rows, 0)
	if s["likud"] != "32" || s["labor"] != "4" || s["religious-zionism"] != "14" || s["meretz"] != "0" {
		t.Errorf("Israel with agreements: %v", s)
	}
	s = seatsOf(csvRows(israel...), 0)
	if s["likud"] != "31" || s["labor"] != "5" {
		t.Errorf("Israel without agreements: %v", s)
	}
	// The same with Sainte-Laguë and Balad exempt: it keeps its 2.9% (4 seats of 120).
	rows = csvRows(append(israel[:len(israel):len(israel)], "-method", "sainte_lague", "-exempt", "balad")...)
	if s = seatsOf(rows, 0); s["balad"] != "4" || s["meretz"] != "0" || rows[12][5] != "threshold_exempt" {
		t.Errorf("Israel, Balad exempt: %v %v", s, rows[12])
	}

	nz := []string{"seats", "-in", plainData + "nz2023.csv", "-choice", "party", "-votes", "party_votes", "-won", "electorates",
		"-system", "mmp", "-method", "sainte_lague", "-seats", "120", "-threshold", "0.05", "-threshold-base", "valid", "-qualify-won", "1"}
	rows = csvRows(nz...)
	if got := strings.Join(rows[0], ","); got != "choice,party,votes,share,won,list,overhang,seats,note" {
		t.Errorf("mmp header %s", got)
	}
	want := map[string][3]string{"National": {"5", "0", "48"}, "Labour": {"17", "0", "34"}, "Green": {"12", "0", "15"},
		"ACT": {"9", "0", "11"}, "NZ First": {"8", "0", "8"}, "Te Pati Maori": {"0", "2", "6"}}
	for _, r := range rows[1:] {
		if w := want[r[0]]; r[5] != w[0] || r[6] != w[1] || r[7] != w[2] {
			t.Errorf("New Zealand 2023 %s: list %s, overhang %s, seats %s; want %v", r[0], r[5], r[6], r[7], w)
		}
	}
	if out := plainOK(t, append(nz, "-lang", "en")...); !strings.Contains(out, "120 seats by mmp") || !strings.Contains(out, "2 overhang seats") {
		t.Errorf("mmp table:\n%s", out)
	}

	scot := []string{"seats", "-in", plainData + "scotland2021.csv", "-choice", "party", "-votes", "list_votes", "-won", "constituencies",
		"-system", "ams", "-method", "dhondt", "-seats", "7"}
	rows = csvRows(append(scot, "-region", "region")...)
	if got := strings.Join(rows[0], ","); got != "region,choice,party,votes,share,won,seats,note" {
		t.Errorf("ams header %s", got)
	}
	got := map[string]string{}
	for _, r := range rows[1:] {
		got[r[0]+"/"+r[1]] = r[6]
	}
	for k, v := range map[string]string{"Highlands and Islands/SNP": "1", "Highlands and Islands/Conservative": "4",
		"Highlands and Islands/Labour": "1", "Highlands and Islands/Green": "1", "Highlands and Islands/Liberal Democrats": "0",
		// Test Region: SNP and Labour start at 1 seat: Con 31000, SNP 25000, SNP 16667,
		// Con 15500, SNP 12500, Lab 10500, Con 10333.
		"Test Region/Conservative": "3", "Test Region/SNP": "3", "Test Region/Labour": "1"} {
		if got[k] != v {
			t.Errorf("Scotland %s: %s seats, want %s (all %v)", k, got[k], v, got)
		}
	}
}

// TestMMPPackage loads a mixed-member proportional parliament from a package (testdata/mmp),
// imports its official results and prints its seats by tier with the overhang: party C
// keeps the two electorates it won beyond its share of the party vote. Then the package
// is exported and read back with its seat rules unchanged.
func TestMMPPackage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	for _, args := range [][]string{
		{"load", "-data", data, "testdata/mmp"},
		{"import", "-data", data, "-election", "mmp-test", "-file", "testdata/mmp/official.csv", "-source", "test", "-published", "2026-10-11"},
	} {
		plainOK(t, args...)
	}
	rows, err := csv.NewReader(strings.NewReader(plainOK(t, "seats", "-data", data, "-election", "mmp-test", "-csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows[1:] {
		got[r[1]+"/"+r[2]] = r[3]
	}
	// Party votes A 5,000, B 3,500, C 400, D 100 (exempt): Sainte-Laguë over 7 seats gives
	// A 4, B 3; C won 2 electorates and keeps them, A won 1.
	for k, v := range map[string]string{"electorate/A": "1", "electorate/C": "2", "list/A": "3", "list/B": "3",
		"total/A": "4", "total/B": "3", "total/C": "2", "overhang/C": "2"} {
		if got[k] != v {
			t.Errorf("%s: %q, want %s (all %v)", k, got[k], v, got)
		}
	}
	if _, ok := got["list/C"]; ok {
		t.Errorf("C has a list row: %v", got)
	}
	if out := plainOK(t, "seats", "-lang", "en", "-data", data, "-election", "mmp-test"); !strings.Contains(out, "Seats with overhang: 9 (7 + 2).") {
		t.Errorf("the table does not give the size with overhang:\n%s", out)
	}
	out := filepath.Join(dir, "export")
	plainOK(t, "export", "package", "-data", data, "-election", "mmp-test", "-out", out)
	orig, err := electionpkg.ReadDir("testdata/mmp")
	if err != nil {
		t.Fatal(err)
	}
	back, err := electionpkg.ReadDir(out)
	if err != nil {
		t.Fatalf("the exported package does not load: %v", err)
	}
	if !reflect.DeepEqual(orig.Contests, back.Contests) || back.Contests[3].System.Mixed != iltod.MixedMMP || !back.Contests[3].Choices[3].ThresholdExempt {
		t.Errorf("contests changed on export:\nbefore %+v\nafter  %+v", orig.Contests[3], back.Contests[3])
	}
}
