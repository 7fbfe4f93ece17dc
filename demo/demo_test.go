package demo_test

import (
	"bytes"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/electionpkg"
)

// The figures below come from REFERENCE.md §6 and the brief of the demo, not from the
// generator, so that a mistake in the generator or its geography file shows up here.

func load(t *testing.T) *iltod.Package {
	t.Helper()
	p, err := electionpkg.Read(demo.Package())
	if err != nil {
		t.Fatalf("read the embedded package: %v", err)
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("validate: %v", err)
	}
	return p
}

func TestElection(t *testing.T) {
	p := load(t)
	e := p.Election
	if demo.ElectionID != "mn-2024-sgk-demo" || e.ID != demo.ElectionID {
		t.Errorf("id = %q and ElectionID = %q, want mn-2024-sgk-demo", e.ID, demo.ElectionID)
	}
	if !e.Demo {
		t.Error("the demonstration election is not marked demo")
	}
	if e.Date != "2024-06-28" || e.Kind != "parliamentary" || e.Country != "MN" || !slices.Equal(e.Languages, []string{"mn", "en"}) {
		t.Errorf("date %s, kind %s, country %s, languages %v", e.Date, e.Kind, e.Country, e.Languages)
	}
	if !strings.Contains(e.Name["en"], "(demonstration data)") || !strings.Contains(e.Name["mn"], "(жишээ өгөгдөл)") {
		t.Errorf("the name does not say it is a demonstration: %v", e.Name)
	}
	if n := len(e.Parties); n < 6 || n > 8 {
		t.Errorf("%d parties, want 6 to 8", n)
	}
	if len(e.Bodies) != 1 {
		t.Fatalf("%d bodies, want 1", len(e.Bodies))
	}
	b := e.Bodies[0]
	tiers := map[string]int{}
	for _, tr := range b.Tiers {
		tiers[tr.Code] = tr.Seats
	}
	if b.Code != "sgk" || b.Seats != 126 || !maps.Equal(tiers, map[string]int{"constituency": 78, "list": 48}) {
		t.Errorf("body %s: %d seats, tiers %v; want sgk, 126, constituency 78 and list 48", b.Code, b.Seats, tiers)
	}
}

// mapIDs are the ids of the 22 units of ../shared/data/mongolia-map/mng.topo.json.
var mapIDs = map[string]string{
	"MN.AR": "Arkhangai", "MN.BO": "Bayan-Ölgii", "MN.BH": "Bayankhongor", "MN.BU": "Bulgan",
	"MN.GA": "Govi-Altai", "MN.GS": "Govisümber", "MN.DA": "Darkhan-Uul", "MN.DG": "Dornogovi",
	"MN.DD": "Dornod", "MN.DU": "Dundgovi", "MN.DZ": "Zavkhan", "MN.ER": "Orkhon",
	"MN.OH": "Övörkhangai", "MN.OG": "Ömnögovi", "MN.SB": "Sükhbaatar", "MN.SL": "Selenge",
	"MN.TO": "Töv", "MN.UV": "Uvs", "MN.HD": "Khovd", "MN.HG": "Khövsgöl", "MN.HN": "Khentii",
	"MN.UB": "Ulaanbaatar",
}

var ubDistricts = []string{"Baganuur", "Bagakhangai", "Bayangol", "Bayanzürkh", "Chingeltei",
	"Khan-Uul", "Nalaikh", "Songino Khairkhan", "Sükhbaatar"}

func TestGeography(t *testing.T) {
	p := load(t)
	byCode := map[string]iltod.Area{}
	children := map[string][]iltod.Area{}
	for _, a := range p.Areas {
		byCode[a.Code] = a
		children[a.Parent] = append(children[a.Parent], a)
	}
	roots := children[""]
	if len(roots) != 1 || roots[0].Code != "MN" || roots[0].Level != iltod.LevelCountry {
		t.Fatalf("roots %v, want the country MN", roots)
	}
	regions := children["MN"]
	if len(regions) != 22 {
		t.Errorf("%d regions, want 22 (21 aimags and Ulaanbaatar)", len(regions))
	}
	for id, name := range mapIDs {
		code := strings.ReplaceAll(id, ".", "-")
		a, ok := byCode[code]
		switch {
		case !ok:
			t.Errorf("no region %s for map id %s (%s)", code, id, name)
		case a.Level != iltod.LevelRegion || a.Name["en"] != name || a.Name["mn"] == "":
			t.Errorf("region %s is %s %v, want region %s with a Mongolian name", code, a.Level, a.Name, name)
		case a.Location == nil:
			t.Errorf("region %s has no centre", code)
		}
	}
	var districts []string
	khoroos := 0
	for _, d := range children["MN-UB"] {
		if d.Level != iltod.LevelDistrict {
			t.Errorf("%s under Ulaanbaatar is a %s", d.Code, d.Level)
		}
		districts = append(districts, d.Name["en"])
		for _, k := range children[d.Code] {
			khoroos++
			if k.Level != iltod.LevelSubdistrict || !strings.HasPrefix(k.Name["en"], "Khoroo ") || !strings.HasSuffix(k.Name["mn"], "-р хороо") {
				t.Errorf("khoroo %s: %s %v", k.Code, k.Level, k.Name)
			}
		}
	}
	slices.Sort(districts)
	if want := slices.Sorted(slices.Values(ubDistricts)); !slices.Equal(districts, want) {
		t.Errorf("Ulaanbaatar's districts are %v, want %v", districts, want)
	}
	if khoroos < 150 || khoroos > 250 {
		t.Errorf("%d khoroos in Ulaanbaatar, want about 200", khoroos)
	}
	soums := 0
	for _, r := range regions {
		if r.Code == "MN-UB" {
			continue
		}
		n := 0
		for _, s := range children[r.Code] {
			if s.Level != iltod.LevelDistrict || s.Name["mn"] == "" || s.Name["en"] == "" {
				t.Errorf("soum %s: %s %v", s.Code, s.Level, s.Name)
			}
			n++
		}
		if n < 2 || n > 30 {
			t.Errorf("aimag %s has %d soums", r.Name["en"], n)
		}
		soums += n
	}
	if soums < 325 || soums > 335 {
		t.Errorf("%d soums, want 325 to 335 (sources: 329 to 331)", soums)
	}
}

// constituencies2024 is REFERENCE.md §6: mandates and the aimags or districts of each.
var constituencies2024 = []struct {
	seats int
	areas []string
}{
	{9, []string{"Arkhangai", "Bayankhongor", "Övörkhangai"}},
	{10, []string{"Govi-Altai", "Zavkhan", "Uvs", "Khovd"}},
	{3, []string{"Bayan-Ölgii"}},
	{8, []string{"Bulgan", "Orkhon", "Khövsgöl"}},
	{10, []string{"Darkhan-Uul", "Selenge", "Töv"}},
	{7, []string{"Dornod", "Sükhbaatar", "Khentii"}},
	{7, []string{"Govisümber", "Dornogovi", "Dundgovi", "Ömnögovi"}},
	{5, []string{"Bayanzürkh"}},
	{3, []string{"Bayangol"}},
	{6, []string{"Sükhbaatar", "Chingeltei"}}, // Ulaanbaatar's districts, not the aimag
	{5, []string{"Songino Khairkhan"}},
	{3, []string{"Khan-Uul"}},
	{2, []string{"Baganuur", "Bagakhangai", "Nalaikh"}},
}

func TestContests(t *testing.T) {
	p := load(t)
	ix := iltod.NewAreaIndex(p.Areas)
	var block []iltod.Contest
	var lists []iltod.Contest
	for _, c := range p.Contests {
		switch c.System.Kind {
		case iltod.BlockVote:
			block = append(block, c)
		case iltod.ListPR:
			lists = append(lists, c)
		default:
			t.Errorf("contest %s has system %s", c.Code, c.System.Kind)
		}
	}
	if len(block) != 13 {
		t.Fatalf("%d block-vote contests, want 13", len(block))
	}
	mandates := map[int]int{}
	total := 0
	seen := map[string]bool{}
	for i, c := range block {
		want := constituencies2024[i]
		mandates[i+1] = c.Seats
		total += c.Seats
		if c.Body != "sgk" || c.Tier != "constituency" {
			t.Errorf("%s lies in %s/%s", c.Code, c.Body, c.Tier)
		}
		var got []string
		for _, code := range c.Areas {
			a, _ := ix.Area(code)
			// Sükhbaatar is both an aimag and a district; the level tells them apart.
			if want.seats == 6 && a.Level != iltod.LevelDistrict {
				t.Errorf("%s: area %s is a %s, want Ulaanbaatar's districts", c.Code, code, a.Level)
			}
			got = append(got, a.Name["en"])
		}
		if c.Seats != want.seats || !slices.Equal(got, want.areas) {
			t.Errorf("constituency %d (%s): %d seats over %v; want %d over %v", i+1, c.Code, c.Seats, got, want.seats, want.areas)
		}
		if n := float64(len(c.Choices)) / float64(c.Seats); n < 2 || n > 4 {
			t.Errorf("%s: %d candidates for %d seats", c.Code, len(c.Choices), c.Seats)
		}
		for j, ch := range c.Choices {
			if ch.Kind != iltod.Candidate || ch.Ballot != j+1 || ch.Name["mn"] == "" || ch.Name["en"] == "" {
				t.Errorf("%s choice %d: %+v", c.Code, j, ch)
			}
			if seen[ch.Name["mn"]] {
				t.Errorf("%s: candidate %s stands twice", c.Code, ch.Name["mn"])
			}
			seen[ch.Name["mn"]] = true
		}
	}
	want := map[int]int{1: 9, 2: 10, 3: 3, 4: 8, 5: 10, 6: 7, 7: 7, 8: 5, 9: 3, 10: 6, 11: 5, 12: 3, 13: 2}
	if !maps.Equal(mandates, want) || total != 78 {
		t.Errorf("mandates %v (total %d), want %v (78)", mandates, total, want)
	}
	if len(lists) != 1 {
		t.Fatalf("%d list contests, want 1", len(lists))
	}
	l := lists[0]
	s := l.System
	if l.Seats != 48 || l.Tier != "list" || !slices.Equal(l.Areas, []string{"MN"}) ||
		s.Method != iltod.Hare || s.Threshold != 0.04 || s.ThresholdBase != iltod.BaseValid {
		t.Errorf("list contest %s: %d seats in %s over %v, system %+v", l.Code, l.Seats, l.Tier, l.Areas, s)
	}
	if len(l.Choices) != len(p.Election.Parties) {
		t.Errorf("%d lists for %d parties", len(l.Choices), len(p.Election.Parties))
	}
}

func TestStations(t *testing.T) {
	p := load(t)
	ix := iltod.NewAreaIndex(p.Areas)
	if n := len(p.Stations); n < 2150 || n > 2250 {
		t.Errorf("%d stations, want about 2,200 (2,198 reported)", n)
	}
	var block []iltod.Contest
	for _, c := range p.Contests {
		if c.Tier == "constituency" {
			block = append(block, c)
		}
	}
	total, ub := 0, 0
	for _, s := range p.Stations {
		total += s.Registered
		in := 0
		for _, c := range block {
			for _, a := range c.Areas {
				if ix.Within(s.Area, a) {
					in++
				}
			}
		}
		if in != 1 {
			t.Errorf("station %s lies in %d constituencies", s.Code, in)
		}
		lo, hi := 150, 900
		switch s.Stratum {
		case "ulaanbaatar":
			lo, hi = 800, 1800
			if !ix.Within(s.Area, "MN-UB") {
				t.Errorf("station %s is in stratum ulaanbaatar outside Ulaanbaatar", s.Code)
			}
			ub += s.Registered
		case "aimag-centre":
			lo, hi = 700, 1300
		case "rural":
		default:
			t.Errorf("station %s: stratum %q", s.Code, s.Stratum)
		}
		if s.Registered < lo || s.Registered > hi {
			t.Errorf("station %s (%s): %d registered, want %d to %d", s.Code, s.Stratum, s.Registered, lo, hi)
		}
		if a, _ := ix.Area(s.Area); a.Level == iltod.LevelRegion {
			t.Errorf("station %s hangs directly under region %s", s.Code, s.Area)
		}
	}
	if total < 2_050_000 || total > 2_080_000 {
		t.Errorf("%d registered voters, want about 2,063,924", total)
	}
	if share := float64(ub) / float64(total); share < 0.45 || share > 0.55 {
		t.Errorf("Ulaanbaatar holds %.1f%% of voters, want about half", 100*share)
	}
}

func TestObservers(t *testing.T) {
	p := load(t)
	if n := len(p.Observers); n < 2400 || n > 2600 {
		t.Errorf("%d observers, want about 2,500", n)
	}
	roles := map[iltod.ObserverRole]int{}
	covered := map[string]int{}
	for _, o := range p.Observers {
		roles[o.Role]++
		for _, ph := range o.Phones {
			// +976 followed by 0: no Mongolian number begins with 0, so these reach no one.
			if !strings.HasPrefix(ph, "+97600") || len(ph) != len("+97600123456") {
				t.Errorf("observer %s: phone %s is not a fictional +97600 number", o.Code, ph)
			}
		}
		if o.Role == iltod.Static {
			covered[o.Stations[0]]++
		}
		if o.Role != iltod.Supervisor && o.Supervisor == "" {
			t.Errorf("observer %s has no supervisor", o.Code)
		}
	}
	if n := roles[iltod.Supervisor]; n < 80 || n > 120 {
		t.Errorf("%d supervisors, want about 100", n)
	}
	if roles[iltod.Mobile] == 0 {
		t.Error("no mobile observers")
	}
	if f := float64(len(covered)) / float64(len(p.Stations)); f < 0.9 || f == 1 {
		t.Errorf("%.1f%% of stations have a static observer; want most, not all", 100*f)
	}
	if !slices.ContainsFunc(slices.Collect(maps.Values(covered)), func(n int) bool { return n == 2 }) {
		t.Error("no station has two static observers")
	}
}

func TestForms(t *testing.T) {
	p := load(t)
	kinds := map[string]iltod.FormKind{}
	byCode := map[string]iltod.Form{}
	for _, f := range p.Forms {
		kinds[f.Code] = f.Kind
		byCode[f.Code] = f
		if f.SMSPrefix == "" {
			t.Errorf("form %s has no SMS prefix", f.Code)
		}
		for _, q := range f.Questions {
			if q.Label["mn"] == "" || q.Label["en"] == "" {
				t.Errorf("form %s question %s is not labelled in both languages", f.Code, q.Tag)
			}
		}
	}
	want := map[string]iltod.FormKind{"opening": iltod.Checklist, "closing": iltod.Checklist, "results": iltod.Results, "incident": iltod.Incident}
	if !maps.Equal(kinds, want) {
		t.Fatalf("forms %v, want %v", kinds, want)
	}
	r := byCode["results"]
	var tier, machine bool
	list := 0
	for _, q := range r.Questions {
		if q.Contest == "tier:sgk/constituency" && q.Choice == "*" {
			tier = true
		}
		if q.Contest == "LIST" && q.Count == iltod.CountChoice && q.Choice != "*" {
			list++
		}
		if q.Tally == iltod.TallyMachine {
			machine = true
		}
	}
	if !tier || !machine || list < len(p.Election.Parties) || len(r.Rules) == 0 {
		t.Errorf("results form: per-candidate %v, machine tally %v, %d list questions, %d rules", tier, machine, list, len(r.Rules))
	}
	cats := map[string]bool{}
	for _, q := range byCode["incident"].Questions {
		for _, o := range q.Options {
			cats[o.Label["en"]] = true
		}
	}
	for _, c := range []string{"Intimidation", "Vote buying", "Ballot stuffing", "Observer obstructed", "Press obstructed", "Procedural irregularity"} {
		if !cats[c] {
			t.Errorf("the incident form has no category %q", c)
		}
	}
}

// TestRegenerate runs the generator into a temporary folder and compares every file with
// the committed package: the package in the repository must be exactly what the generator
// and the geography file produce.
func TestRegenerate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator with go run")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to run the generator")
	}
	out := filepath.Join(t.TempDir(), "pkg")
	cmd := exec.Command(goTool, "run", "./gen", "-geo", "geo/mongolia.yaml", "-out", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./gen: %v\n%s", err, msg)
	}
	got := readAll(t, os.DirFS(out))
	committed := readAll(t, os.DirFS("mongolia2024"))
	for _, name := range slices.Sorted(maps.Keys(committed)) {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s is committed but the generator no longer writes it", name)
		case !bytes.Equal(g, committed[name]):
			t.Errorf("%s differs from what the generator writes: run go generate ./demo", name)
		}
	}
	for name := range got {
		if _, ok := committed[name]; !ok {
			t.Errorf("the generator writes %s, which is not committed: run go generate ./demo", name)
		}
	}
}

func readAll(t *testing.T, fsys fs.FS) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files[path], err = fs.ReadFile(fsys, path)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
