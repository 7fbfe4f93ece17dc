package electionpkg_test

import (
	"errors"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/qa"
)

const exampleDir = "../../docs/example"

// example returns the documented example package as a writable in-memory tree.
func example(t testing.TB) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS(exampleDir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(os.DirFS(exampleDir), p)
		m[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestReadExample(t *testing.T) {
	p, err := electionpkg.ReadDir(exampleDir)
	if err != nil {
		t.Fatalf("the documented example must load: %v", err)
	}
	s := p.Summarize()
	if s.Areas != 6 || s.Stations != 5 || s.Contests != 3 || s.Observers != 5 || s.Forms != 2 {
		t.Errorf("summary = %+v", s)
	}
	if s.Registered != 1320+1187+1045+904+611 {
		t.Errorf("registered = %d", s.Registered)
	}
	st := p.Stations[0]
	if st.Name["mn"] != "1-р хэсэг" || st.Location == nil || st.Location.Lat != 47.91 || st.Stratum != "urban" {
		t.Errorf("station 0 = %+v", st)
	}
	if o := p.Observers[2]; !reflect.DeepEqual(o.Phones, []string{"+97600000003", "+97600000013"}) {
		t.Errorf("observer phones = %v", o.Phones)
	}
	f := p.Forms[1]
	if q := f.Questions[0]; q.Min == nil || *q.Min != 0 || q.Count != iltod.CountRegistered {
		t.Errorf("results question 0 = %+v", q)
	}
	if c := p.Contests[2]; c.System.Threshold != 0.04 || c.System.Method != iltod.Hare {
		t.Errorf("list system = %+v", c.System)
	}
}

// TestRoundTrip writes the example and reads it back: the same election.
func TestRoundTrip(t *testing.T) {
	p, err := electionpkg.ReadDir(exampleDir)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := electionpkg.Write(dir, p); err != nil {
		t.Fatal(err)
	}
	q, err := electionpkg.ReadDir(dir)
	if err != nil {
		t.Fatalf("written package does not load: %v", err)
	}
	if !reflect.DeepEqual(p, q) {
		t.Errorf("round trip changed the election:\nbefore %+v\nafter  %+v", p, q)
	}
	manifest, _ := os.ReadFile(dir + "/election.yaml")
	if !strings.HasPrefix(string(manifest), "# DEMONSTRATION DATA") {
		t.Errorf("a demo package's manifest must say so at its top:\n%s", manifest)
	}
}

// TestObservation reads election.observation, gives the defaults without it, and writes
// it back.
func TestObservation(t *testing.T) {
	m := example(t)
	p, err := electionpkg.Read(m)
	if err != nil {
		t.Fatal(err)
	}
	if e := p.Election; e.Observation != nil || e.GeofenceMetres() != 1000 || e.ClockSkew() != 15*time.Minute {
		t.Errorf("without observation: %+v, %d m, %v", e.Observation, e.GeofenceMetres(), e.ClockSkew())
	}
	for _, tc := range []struct {
		yaml  string
		fence int
		skew  time.Duration
	}{
		{"  observation: {geofence_m: 1500, clock_skew_s: 600}\n", 1500, 10 * time.Minute},
		{"  observation:\n    clock_skew_s: 86400\n", 1000, 24 * time.Hour},
		{"  observation: {geofence_m: 100000}\n", 100000, 15 * time.Minute},
		{"  observation: {}\n", 1000, 15 * time.Minute},
	} {
		m := example(t)
		edit(t, m, "election.yaml", "  demo: true\n", "  demo: true\n"+tc.yaml)
		p, err := electionpkg.Read(m)
		if err != nil {
			t.Fatalf("%q: %v", tc.yaml, err)
		}
		e := p.Election
		if e.Observation == nil || e.GeofenceMetres() != tc.fence || e.ClockSkew() != tc.skew {
			t.Errorf("%q: %+v, %d m, %v; want %d m, %v", tc.yaml, e.Observation, e.GeofenceMetres(), e.ClockSkew(), tc.fence, tc.skew)
		}
		dir := t.TempDir()
		if err := electionpkg.Write(dir, p); err != nil {
			t.Fatal(err)
		}
		q, err := electionpkg.ReadDir(dir)
		if err != nil {
			t.Fatalf("%q: written package does not load: %v", tc.yaml, err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Errorf("%q: round trip changed the election:\nbefore %+v\nafter  %+v", tc.yaml, p.Election.Observation, q.Election.Observation)
		}
	}
}

func edit(t *testing.T, m fstest.MapFS, file, old, new string) {
	t.Helper()
	f, ok := m[file]
	if !ok {
		t.Fatalf("no file %s", file)
	}
	s := string(f.Data)
	if !strings.Contains(s, old) {
		t.Fatalf("%s does not contain %q", file, old)
	}
	f.Data = []byte(strings.Replace(s, old, new, 1))
}

// TestErrors breaks the example in one way at a time and checks the exact message: the
// file, the line and the field, as a coordinator would need to find and fix it.
func TestErrors(t *testing.T) {
	cases := []struct {
		name string
		file string
		old  string
		new  string
		want string
	}{
		{"unknown parent", "areas.csv", "UB-BG-01,UB-BG,", "UB-BG-01,UB-XX,",
			`areas.csv:6: parent: unknown parent area "UB-XX"`},
		{"parent of lower level", "areas.csv", "UB-BG,UB,district", "UB-BG,UB-BG-01,district",
			`areas.csv:5: parent: parent "UB-BG-01" is a subdistrict, which cannot contain a district`},
		{"two countries", "areas.csv", "DA,MN,region", "DA,,country",
			`areas.csv:4: level: there is already a country area; an election has exactly one`},
		{"bad level", "areas.csv", "DA-DA,DA,district", "DA-DA,DA,soum",
			`areas.csv:7: level: "soum" is not one of country, region, district, subdistrict`},
		{"duplicate station", "stations.csv", "UB-002,UB-BG-01", "UB-001,UB-BG-01",
			`observers.csv:3: stations: unknown station "UB-002"
stations.csv:3: code: duplicate station code "UB-001"`},
		{"unknown station area", "stations.csv", "DA-002,DA-DA", "DA-002,DA-XX",
			`stations.csv:6: area: unknown area "DA-XX"`},
		{"negative registered", "stations.csv", "904,aimag", "-5,aimag",
			`stations.csv:5: registered: -5 is outside 0..1000000`},
		{"non-numeric registered", "stations.csv", "904,aimag", "many,aimag",
			`stations.csv:5: registered: "many" is not a whole number`},
		{"bad UTF-8 in CSV", "stations.csv", "Darkhan station 2", "Darkhan \xff station 2",
			`stations.csv:6: name_en: is not valid UTF-8`},
		{"control character", "stations.csv", "Station 2", "Station\x072",
			`stations.csv:3: name_en: contains the control character U+0007`},
		{"missing name", "stations.csv", "UB-003,UB-BG,3-р хэсэг,Station 3", "UB-003,UB-BG,,",
			`stations.csv:4: name: a name is required in at least one language`},
		{"half a point", "stations.csv", "47.91,106.88", "47.91,",
			`stations.csv:2: lat: give both lat and lon, or neither`},
		{"unknown column", "stations.csv", "registered,stratum", "voters,stratum",
			`stations.csv:1: voters: unknown column (known: code, area, name_*, registered, stratum, lat, lon)
stations.csv:1: registered: the required column is missing`},
		{"CSV syntax", "stations.csv", "UB-003,UB-BG", "UB-003,\"UB-BG",
			`stations.csv:4: not valid CSV: extraneous or missing " in quoted-field (the field ends on line 6)`},
		{"mandates do not add up", "contests.yaml", "seats: 3", "seats: 2",
			`election.yaml:20: bodies[0].tiers[0].seats: tier hural/constituency has 4 seats but its contests add up to 3`},
		{"body seats do not add up", "election.yaml", "seats: 6", "seats: 7",
			`election.yaml:18: bodies[0].seats: the body has 7 seats but its tiers add up to 6`},
		{"unknown party", "contests.yaml", "ballot: 2, name: {mn: Ж. Жаргал", "ballot: 2, party: GREEN, name: {mn: Ж. Жаргал",
			`contests.yaml:23: choices[1].party: unknown party "GREEN"`},
		{"duplicate ballot number", "contests.yaml", "code: C1-2, kind: candidate, ballot: 2", "code: C1-2, kind: candidate, ballot: 1",
			`contests.yaml:11: choices[1].ballot: ballot number 1 is used twice`},
		{"station in two contests of a tier", "contests.yaml", "areas: [DA]", "areas: [DA, UB-BG]",
			`contests.yaml:19: areas[1]: area "UB-BG" lies in "UB", which votes in contest "C1" of tier hural/constituency`},
		{"unknown field", "contests.yaml", "    seats: 1\n", "    seat: 1\n",
			`contests.yaml:18: contests[1].seat: unknown field (known: code, name, body, tier, areas, seats, system, choices)`},
		{"wrong type", "contests.yaml", "    seats: 1\n", "    seats: one\n",
			`contests.yaml:18: contests[1].seats: "one" is not a whole number`},
		{"bad system", "contests.yaml", "{kind: list_pr, method: hare,", "{kind: list_pr, method: jefferson,",
			`contests.yaml:30: system.method: "jefferson" is not one of dhondt, sainte_lague, modified_sainte_lague, huntington_hill, hare, droop`},
		{"results form names a missing choice", "forms/results.yaml", "choice: L-BLUE", "choice: L-GREEN",
			`forms/results.yaml:14: questions[7].choice: contest "LIST" has no choice "L-GREEN"`},
		{"results form names a missing contest", "forms/results.yaml", "contest: LIST, choice: L-RED", "contest: LISTS, choice: L-RED",
			`forms/results.yaml:15: questions[8].contest: unknown contest "LISTS"`},
		{"duplicate tag", "forms/opening.yaml", "tag: AC", "tag: AB",
			`forms/opening.yaml:9: questions[2].tag: tag "AB" is already used by questions[1]`},
		{"bad UTF-8 in YAML", "contests.yaml", "Constituency 2", "Constituency \xfe2",
			`contests.yaml:15: is not valid UTF-8 (byte 0xfe)`},
		{"YAML syntax", "forms/opening.yaml", "questions:\n", "questions: [\n",
			`forms/opening.yaml:6: not valid YAML: did not find expected node content`},
		{"unknown observer station", "observers.csv", "UB-003;DA-002", "UB-003;DA-009",
			`observers.csv:5: stations: unknown station "DA-009"`},
		{"supervisor not a supervisor", "observers.csv", "DA-001,static,1900", "DA-001,static,1001",
			`observers.csv:4: supervisor: observer 1001 is a static, not a supervisor`},
		{"phone used twice", "observers.csv", "+97600000009", "+97600000002",
			`observers.csv:6: phones: phone number is already used by observer 1002`},
		{"bad phone", "observers.csv", "+97600000002", "99112233",
			`observers.csv:3: phones: "99112233" is not an E.164 number such as +97699112233`},
		{"missing file", "election.yaml", "forms/opening.yaml", "forms/closing.yaml",
			`forms/closing.yaml: cannot open: file does not exist`},
		{"bad date", "election.yaml", "date: 2024-06-28", "date: 28.06.2024",
			`election.yaml:7: date: "28.06.2024" is not a date of the form YYYY-MM-DD`},
		{"geofence of zero", "election.yaml", "  demo: true\n", "  demo: true\n  observation: {geofence_m: 0, clock_skew_s: 900}\n",
			`election.yaml:12: observation.geofence_m: the geofence 0 m is outside 1..100000`},
		{"geofence too wide", "election.yaml", "  demo: true\n", "  demo: true\n  observation:\n    geofence_m: 100001\n",
			`election.yaml:13: observation.geofence_m: the geofence 100001 m is outside 1..100000`},
		{"negative clock tolerance", "election.yaml", "  demo: true\n", "  demo: true\n  observation: {clock_skew_s: -5}\n",
			`election.yaml:12: observation.clock_skew_s: the clock tolerance -5 s is outside 1..86400`},
		{"clock tolerance over a day", "election.yaml", "  demo: true\n", "  demo: true\n  observation: {clock_skew_s: 86401}\n",
			`election.yaml:12: observation.clock_skew_s: the clock tolerance 86401 s is outside 1..86400`},
		{"unknown observation field", "election.yaml", "  demo: true\n", "  demo: true\n  observation: {geofence: 500}\n",
			`election.yaml:12: election.observation.geofence: unknown field (known: geofence_m, clock_skew_s)`},
		{"wrong format", "election.yaml", "format: iltod-package/1", "format: iltod-package/9",
			`election.yaml:3: format: "iltod-package/9" is not a format this version reads (want "iltod-package/1")`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := example(t)
			edit(t, m, tc.file, tc.old, tc.new)
			p, err := electionpkg.Read(m)
			if err == nil {
				t.Fatalf("the package loaded; want %s", tc.want)
			}
			if p != nil {
				t.Error("Read returned a package with an error")
			}
			var pe *electionpkg.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not *electionpkg.Error: %v", err, err)
			}
			if iltod.ErrorCodeOf(err) != iltod.EInvalid {
				t.Errorf("code = %s, want invalid", iltod.ErrorCodeOf(err))
			}
			var got []string
			for _, p := range pe.Problems {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != tc.want {
				t.Errorf("problems:\n  %s\nwant exactly:\n  %s", strings.Join(got, "\n  "), strings.ReplaceAll(tc.want, "\n", "\n  "))
			}
		})
	}
}

// TestManyErrors checks that every problem is reported, not only the first.
func TestManyErrors(t *testing.T) {
	m := example(t)
	edit(t, m, "stations.csv", "UB-002,UB-BG-01", "UB-001,UB-BG-01")
	edit(t, m, "stations.csv", "DA-002,DA-DA", "DA-002,DA-XX")
	edit(t, m, "areas.csv", "UB-BG-01,UB-BG,", "UB-BG-01,UB-XX,")
	_, err := electionpkg.Read(m)
	var pe *electionpkg.Error
	if !errors.As(err, &pe) || len(pe.Problems) != 4 {
		t.Fatalf("want 4 problems (the duplicate also orphans an observer's station), got %v", err)
	}
	if pe.Problems[0].File != "areas.csv" || pe.Problems[1].File != "observers.csv" || pe.Problems[2].Line != 3 || pe.Problems[3].Line != 6 {
		t.Errorf("problems not in file and line order: %v", pe.Problems)
	}
}

func TestNoManifest(t *testing.T) {
	_, err := electionpkg.Read(fstest.MapFS{"areas.csv": {Data: []byte("code\n")}})
	if err == nil || !strings.Contains(err.Error(), "election.yaml: no manifest") {
		t.Fatalf("err = %v", err)
	}
}

// TestFormRulesLocated checks that a further check (the QA rule compiler) reports a bad
// rule at its file and line, as the command line loads packages.
func TestFormRulesLocated(t *testing.T) {
	m := example(t)
	edit(t, m, "forms/results.yaml", `expr: "BC <= RV"`, `expr: "BC <= QQ"`)
	if _, err := electionpkg.Read(m); err != nil {
		t.Fatalf("without the QA check the package is valid: %v", err)
	}
	_, err := electionpkg.Read(m, qa.ValidateForms)
	var pe *electionpkg.Error
	if !errors.As(err, &pe) || len(pe.Problems) != 1 || !strings.HasPrefix(pe.Problems[0].String(), "forms/results.yaml:17: rules[0].expr: ") ||
		!strings.Contains(pe.Problems[0].String(), "QQ") {
		t.Fatalf("want one problem at forms/results.yaml:17 naming QQ, got %v", err)
	}
}

// TestObserverLangAndPIN writes observers' languages and PINs, two observers sharing a
// phone, and reads them back; a language the election does not have is refused.
func TestObserverLangAndPIN(t *testing.T) {
	p, err := electionpkg.ReadDir(exampleDir)
	if err != nil {
		t.Fatal(err)
	}
	var static []int
	for i, o := range p.Observers {
		if o.Role == iltod.Static && len(o.Phones) > 0 {
			static = append(static, i)
		}
	}
	if len(static) < 2 {
		t.Fatal("the example needs two static observers with phones")
	}
	a, b := &p.Observers[static[0]], &p.Observers[static[1]]
	a.Lang, a.PIN = "en", "1234"
	b.PIN = "98765"
	b.Phones = append(b.Phones, a.Phones[0])
	dir := t.TempDir()
	if err := electionpkg.Write(dir, p); err != nil {
		t.Fatal(err)
	}
	csvText, _ := os.ReadFile(dir + "/observers.csv")
	if !strings.HasPrefix(string(csvText), "code,name,phones,stations,role,supervisor,lang,pin\n") {
		t.Errorf("observers.csv header: %.80q", csvText)
	}
	q, err := electionpkg.ReadDir(dir)
	if err != nil {
		t.Fatalf("written package does not load: %v", err)
	}
	if !reflect.DeepEqual(p.Observers, q.Observers) {
		t.Errorf("round trip changed the observers")
	}

	b.PIN = "" // a shared phone without a PIN on both sides
	a.Lang = "fr"
	if err := electionpkg.Write(dir, p); err != nil {
		t.Fatal(err)
	}
	_, err = electionpkg.ReadDir(dir)
	if err == nil || !strings.Contains(err.Error(), "fr") || !strings.Contains(err.Error(), a.Code) {
		t.Errorf("a shared phone without PINs and an unknown language: %v", err)
	}
}
