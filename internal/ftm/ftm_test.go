package ftm

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/iltod/iltod/internal/ftm/ftmtest"
)

var (
	modelOnce sync.Once
	model     *Model
	modelErr  error
)

func loadModel(t testing.TB) *Model {
	t.Helper()
	dir := ftmtest.SchemaDir(t)
	modelOnce.Do(func() { model, modelErr = LoadModel(os.DirFS(dir)) })
	if modelErr != nil {
		t.Fatal(modelErr)
	}
	return model
}

func TestLoadModelResolvesInheritance(t *testing.T) {
	m := loadModel(t)
	if len(m.Schemas) < 60 {
		t.Fatalf("loaded %d schemas, want the whole model", len(m.Schemas))
	}
	// Documentation lives in a .yml file.
	for _, n := range []string{"Thing", "Person", "PublicBody", "Occupancy", "Documentation", "Image"} {
		if m.Schema(n) == nil {
			t.Fatalf("schema %s missing", n)
		}
	}
	if !m.Schema("Thing").Abstract || !m.Schema("Interval").Abstract || m.Schema("Person").Abstract {
		t.Error("abstract flags wrong")
	}
	// Inherited through LegalEntity from Thing.
	p := m.Schema("Person").Properties
	if p["name"] == nil || p["name"].Type != "name" || p["name"].Schema != "Thing" {
		t.Errorf("Person.name = %+v", p["name"])
	}
	if p["email"] == nil || p["email"].Schema != "LegalEntity" || p["birthDate"] == nil {
		t.Error("Person lacks LegalEntity.email or its own birthDate")
	}
	// Multiple inheritance: Event extends Interval, Analyzable and Thing.
	ev := m.Schema("Event")
	if ev.Properties["startDate"] == nil || ev.Properties["name"] == nil || ev.Properties["involved"].Range != "LegalEntity" {
		t.Error("Event misses inherited properties")
	}
	if !ev.IsA("Interval") || !ev.IsA("Thing") || ev.IsA("Person") {
		t.Error("Event ancestry wrong")
	}
	if !m.Schema("PublicBody").IsA("LegalEntity") || !m.Schema("Image").IsA("Document") {
		t.Error("IsA wrong")
	}
	// Untyped properties are strings; contentHash is a checksum.
	if tp := m.Schema("Document").Properties["fileName"].Type; tp != "string" {
		t.Errorf("fileName type %q", tp)
	}
	if tp := m.Schema("Image").Properties["contentHash"].Type; tp != "checksum" {
		t.Errorf("contentHash type %q", tp)
	}
	// Required, inherited: Image requires Document's fileName and Thing's name.
	if got := strings.Join(m.Schema("Image").Required, ","); got != "fileName,name" {
		t.Errorf("Image required = %s", got)
	}
	if got := strings.Join(m.Schema("Occupancy").Required, ","); got != "holder,post" {
		t.Errorf("Occupancy required = %s", got)
	}
	// Reverse names are stubs on the range and its descendants.
	if !m.Schema("Person").Stubs["positionOccupancies"] || !m.Schema("Organization").Stubs["positions"] {
		t.Error("reverse stubs missing")
	}
}

func TestLoadModelRefusesBrokenFiles(t *testing.T) {
	cases := map[string]fstest.MapFS{
		"unknown parent": {"A.yaml": {Data: []byte("A:\n  extends: [Nope]\n")}},
		"cycle":          {"A.yaml": {Data: []byte("A:\n  extends: [B]\nB:\n  extends: [A]\n")}},
		"bad range":      {"A.yaml": {Data: []byte("A:\n  properties:\n    x:\n      type: entity\n      range: Nope\n")}},
		"bad required":   {"A.yaml": {Data: []byte("A:\n  required: [x]\n")}},
		"duplicate":      {"A.yaml": {Data: []byte("A: {}\n")}, "B.yml": {Data: []byte("A: {}\n")}},
		"not yaml":       {"A.yaml": {Data: []byte("A: [\n")}},
		"empty":          {"README.md": {Data: []byte("x")}},
	}
	for name, fsys := range cases {
		if _, err := LoadModel(fsys); err == nil {
			t.Errorf("%s: LoadModel accepted it", name)
		}
	}
}

// base returns a small valid graph to break one rule at a time.
func base() []Entity {
	return []Entity{
		{ID: "p1", Schema: "Person", Properties: map[string][]string{"name": {"Bat-Erdene"}, "country": {"mn"}, "birthDate": {"1970-03"}}},
		{ID: "b1", Schema: "PublicBody", Properties: map[string][]string{"name": {"Ministry"}, "website": {"https://example.org/m"}}},
		{ID: "pos1", Schema: "Position", Properties: map[string][]string{"name": {"Governor"}, "organization": {"b1"}}},
		{ID: "o1", Schema: "Occupancy", Properties: map[string][]string{"holder": {"p1"}, "post": {"pos1"}, "startDate": {"2020-10-01T08:30:00Z"}}},
		{ID: "e1", Schema: "Event", Properties: map[string][]string{"name": {"Dispersal"}, "date": {"2024-06-28"}, "involved": {"p1", "b1"}}},
		{ID: "d1", Schema: "Image", Properties: map[string][]string{"name": {"photo"}, "fileName": {"a.jpg"}, "mimeType": {"image/jpeg"}, "contentHash": {strings.Repeat("ab", 20)}}},
		{ID: "x1", Schema: "Documentation", Properties: map[string][]string{"document": {"d1"}, "entity": {"e1"}}},
	}
}

func TestValidateRules(t *testing.T) {
	m := loadModel(t)
	if errs := m.Validate(base()); len(errs) != 0 {
		t.Fatalf("valid graph refused: %v", errs)
	}
	set := func(i int, prop string, vals ...string) func([]Entity) {
		return func(es []Entity) { es[i].Properties[prop] = vals }
	}
	cases := []struct {
		name  string
		edit  func([]Entity)
		want  string
		valid bool
	}{
		{"unknown schema", func(es []Entity) { es[0].Schema = "Human" }, "unknown schema", false},
		{"abstract schema", func(es []Entity) { es[3].Schema = "Interval" }, "abstract schema", false},
		{"abstract root", func(es []Entity) { es[0].Schema = "Thing" }, "abstract schema", false},
		{"unknown property", set(0, "shoeSize", "44"), "unknown property", false},
		{"property of a sibling", set(1, "birthDate", "1970"), "unknown property", false},
		{"reverse stub", set(0, "positionOccupancies", "o1"), "reverse property", false},
		{"bad date", set(0, "birthDate", "28/06/2024"), "invalid date", false},
		{"month 13", set(0, "birthDate", "2024-13"), "invalid date", false},
		{"feb 30", set(4, "date", "2024-02-30"), "invalid date", false},
		{"hour 25", set(3, "startDate", "2020-10-01T25:00"), "invalid date", false},
		{"year only", set(0, "birthDate", "1970"), "", true},
		{"date minutes", set(3, "endDate", "2021-01-02T03:04"), "", true},
		{"date offset", set(3, "endDate", "2021-01-02T03:04:05.123+08:00"), "", true},
		{"country upper", set(0, "country", "MN"), "invalid country", false},
		{"country alpha-3", set(0, "country", "mng"), "invalid country", false},
		{"country unassigned", set(0, "country", "qq"), "invalid country", false},
		{"country macro region", set(0, "country", "150"), "invalid country", false},
		{"country ftm extra", set(0, "country", "xk"), "", true},
		{"country ftm subnational", set(0, "country", "gb-sct"), "", true},
		{"bad url", set(1, "website", "example.org"), "invalid url", false},
		{"js url", set(1, "website", "javascript:alert(1)"), "invalid url", false},
		{"bad checksum", set(5, "contentHash", strings.Repeat("ab", 32)), "invalid checksum", false},
		{"bad mimetype", set(5, "mimeType", "JPEG"), "invalid mime type", false},
		{"dangling entity", set(3, "holder", "p9"), "not found", false},
		{"range: body as holder", set(3, "holder", "b1"), "not a Person", false},
		{"range: descendant ok", set(4, "involved", "b1"), "", true},
		{"range: position not LegalEntity", set(4, "involved", "pos1"), "not a LegalEntity", false},
		{"range: Image is a Document", set(6, "document", "d1"), "", true},
		{"range: Thing accepts Position", set(6, "entity", "pos1"), "", true},
		{"range: Occupancy is no Thing", set(6, "entity", "o1"), "not a Thing", false},
		{"missing required", func(es []Entity) { delete(es[0].Properties, "name") }, "required property missing", false},
		{"blank required", set(0, "name", " "), "", false},
		{"inherited required", func(es []Entity) { delete(es[5].Properties, "name") }, "required property missing", false},
		{"own required", func(es []Entity) { delete(es[3].Properties, "post") }, "required property missing", false},
		{"duplicate id", func(es []Entity) { es[1].ID = "p1" }, "duplicate id", false},
		{"missing id", func(es []Entity) { es[5].ID = "" }, "missing id", false},
	}
	for _, c := range cases {
		es := base()
		c.edit(es)
		errs := m.Validate(es)
		if c.valid {
			if len(errs) != 0 {
				t.Errorf("%s: refused: %v", c.name, errs)
			}
			continue
		}
		if len(errs) == 0 {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		if c.want != "" && !strings.Contains(errors.Join(errs...).Error(), c.want) {
			t.Errorf("%s: errors %v, want %q", c.name, errs, c.want)
		}
	}
}

func TestWriterDossierValidates(t *testing.T) {
	m := loadModel(t)
	const ns = "demo-election-2024"
	person := Person(ns, "A-001", Party{Name: "Fictional Official", Aliases: []string{"F. Official"}, Country: "mn"})
	body := PublicBody(ns, "gov-x", Party{Name: "Fictional Aimag Governor's Office", Country: "mn"})
	post := Position(ns, "gov-x:governor", "Governor of Fictional Aimag", body.ID, "mn")
	occ := Occupancy(ns, person.ID, post.ID, "2020-10-20", "")
	org := Organization(ns, "party-y", Party{Name: "Fictional Party"})
	ev := Event(ns, "INC-7", EventSpec{Name: "Observers obstructed at station 12", Date: "2024-06-28T09:15",
		Country: "mn", Location: "Fictional Aimag", Description: "Observers were kept out of the count.",
		Involved: []string{person.ID, body.ID, org.ID}})
	sum := strings.Repeat("0f", 32)
	img := Image(ns, DocumentSpec{FileName: "station12.jpg", MimeType: "image/jpeg", Title: "Photo", SHA256: sum,
		SHA1: strings.Repeat("1a", 20), Date: "2024-06-28"})
	doc := Document(ns, DocumentSpec{FileName: "statement.pdf", MimeType: "application/pdf", SHA256: strings.Repeat("2b", 32)})
	all := []Entity{person, body, post, occ, org, ev, img, doc,
		Documentation(ns, img.ID, ev.ID, "evidence"), Documentation(ns, doc.ID, ev.ID, "evidence")}

	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, e := range all {
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != len(all) {
		t.Fatalf("%d lines for %d entities", len(lines), len(all))
	}
	got, err := ReadEntities(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if errs := m.Validate(got); len(errs) != 0 {
		t.Fatalf("dossier invalid: %v", errs)
	}
	// Document and Image need a name (Thing) as well as a fileName.
	if got[7].Properties["name"][0] != "statement.pdf" || got[6].Properties["name"][0] != "Photo" {
		t.Errorf("document names %v %v", got[6].Properties["name"], got[7].Properties["name"])
	}
	for _, e := range got {
		if !strings.HasPrefix(e.ID, IDPrefix) || len(e.ID) != len(IDPrefix)+64 {
			t.Errorf("id %q", e.ID)
		}
	}
	if got[6].Properties["notes"][0] != "sha256:"+sum {
		t.Errorf("image notes %v", got[6].Properties["notes"])
	}
	// Deterministic: the same input gives the same bytes and ids.
	if Person(ns, "A-001", Party{Name: "Other"}).ID != person.ID || Person("other-ns", "A-001", Party{}).ID == person.ID {
		t.Error("ids not deterministic per namespace and key")
	}
	if Person(ns, "A-001", Party{}).ID == PublicBody(ns, "A-001", Party{}).ID {
		t.Error("schemas share an id space")
	}
	var again bytes.Buffer
	w2 := NewWriter(&again)
	for _, e := range all {
		_ = w2.Write(e)
	}
	_ = w2.Flush()
	if again.String() != strings.Join(lines, "\n")+"\n" {
		t.Error("writer output not deterministic")
	}
	// The validator does see the writer's output: drop the person and the
	// occupancy and event point nowhere.
	if errs := m.Validate(got[1:]); len(errs) < 2 {
		t.Errorf("dangling references not caught: %v", errs)
	}
}

func TestReadEntitiesRefusesBadLines(t *testing.T) {
	for _, in := range []string{
		`{"id":"a","schema":"Person","properties":{"name":"x"}}`,
		`{"id":"a","schema":"Person"} {}`,
		`{"id":"","schema":"Person"}`,
		`{"id":"a"}`,
		`[1]`,
		`{"id":"a","schema":"Person","extra":1}`,
		`{"id":"a","schema":"Person","properties":{"name":["x"]}`,
	} {
		if _, err := ReadEntities(strings.NewReader(in)); err == nil {
			t.Errorf("accepted %s", in)
		}
	}
	es, err := ReadEntities(strings.NewReader("\n{\"id\":\"a\",\"schema\":\"Person\",\"properties\":{\"name\":[\"x\"]}}\n\n{\"id\":\"b\",\"schema\":\"Thing\"}\n"))
	if err != nil || len(es) != 2 || es[0].Properties["name"][0] != "x" || es[1].Properties == nil {
		t.Fatalf("got %v, %v", es, err)
	}
}

func FuzzReadEntities(f *testing.F) {
	for _, s := range []string{
		`{"id":"a","schema":"Person","properties":{"name":["x"]}}`,
		"{\"id\":\"a\",\"schema\":\"Person\"}\n{\"id\":\"b\",\"schema\":\"Event\",\"properties\":{\"involved\":[\"a\"]}}\n",
		`{"id":"a","schema":"Person","properties":{"name":"x"}}`,
		"\n\n", `[`, `{"id":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		es, err := ReadEntities(bytes.NewReader(data))
		if err != nil {
			return
		}
		// What reads back writes and reads back the same.
		var buf bytes.Buffer
		w := NewWriter(&buf)
		for _, e := range es {
			if e.ID == "" || e.Schema == "" {
				t.Fatalf("entity without id or schema accepted: %+v", e)
			}
			if err := w.Write(e); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		again, err := ReadEntities(&buf)
		if err != nil {
			t.Fatalf("writer output unreadable: %v", err)
		}
		if len(again) != len(es) {
			t.Fatalf("%d entities, then %d", len(es), len(again))
		}
	})
}

func TestValidValue(t *testing.T) {
	good := map[string][]string{
		"date":    {"2024", "2024-06", "2024-06-28", "2024-06-28T09", "2024-06-28T09:15:00Z", "2024-02-29"},
		"country": {"mn", "us", "gb", "zz", "eu", "ss", "cw", "ps", "tw", "aq", "ax"},
		"url":     {"https://example.org/x?y=1", "mailto:a@example.org"},
		"number":  {"12", "-3.5"},
	}
	bad := map[string][]string{
		"date":    {"24", "2024-6", "2023-02-29", "2024-06-28 09:15", "2024-06-28T9", "", "2024-06-28T09:60"},
		"country": {"", "MN", "m", "xx", "Mongolia", "uk", "ac", "un", "su", "419"},
		"url":     {"/x", "https://", "file:///etc/passwd"},
		"number":  {"twelve", "1 2"},
		"name":    {"", "  "},
	}
	for typ, vs := range good {
		for _, v := range vs {
			if err := ValidValue(typ, v); err != nil {
				t.Errorf("%s %q: %v", typ, v, err)
			}
		}
	}
	for typ, vs := range bad {
		for _, v := range vs {
			if ValidValue(typ, v) == nil {
				t.Errorf("%s %q accepted", typ, v)
			}
		}
	}
}
