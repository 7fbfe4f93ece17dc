package odk_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/odk"
	"github.com/iltod/iltod/internal/odk/odktest"
	"github.com/iltod/iltod/internal/qa"
)

func i64(n int64) *int64 { return &n }

// fixture: two constituencies c1 (candidates 1, 2) and c2 (candidates 1, 2, 3), one
// station in each, and a results form with a tier-bound choice "*" question.
func fixture(t *testing.T) odk.Input {
	t.Helper()
	areas := iltod.NewAreaIndex([]iltod.Area{
		{Code: "mn", Level: iltod.LevelCountry, Name: iltod.Text{"en": "Mongolia"}},
		{Code: "a1", Parent: "mn", Level: iltod.LevelRegion, Name: iltod.Text{"en": "A1"}},
		{Code: "a2", Parent: "mn", Level: iltod.LevelRegion, Name: iltod.Text{"en": "A2"}},
	})
	cand := func(code string, ballot int, name string) iltod.Choice {
		return iltod.Choice{Code: code, Kind: iltod.Candidate, Ballot: ballot, Name: iltod.Text{"en": name, "mn": name}}
	}
	contests := []iltod.Contest{
		{Code: "c1", Name: iltod.Text{"en": "C1"}, Body: "sgk", Tier: "constituency", Areas: []string{"a1"}, Seats: 1,
			System: iltod.System{Kind: iltod.FPTP}, Choices: []iltod.Choice{cand("x1", 1, "Bat"), cand("x2", 2, "Dorj")}},
		{Code: "c2", Name: iltod.Text{"en": "C2"}, Body: "sgk", Tier: "constituency", Areas: []string{"a2"}, Seats: 1,
			System: iltod.System{Kind: iltod.FPTP}, Choices: []iltod.Choice{cand("y1", 1, "Suvd"), cand("y2", 2, "Tuya"), cand("y3", 3, "Gerel")}},
	}
	form := &iltod.Form{Code: "res", Version: 2, Kind: iltod.Results, Name: iltod.Text{"en": "Results", "mn": "Дүн"},
		Questions: []iltod.Question{
			{Tag: "REG", Label: iltod.Text{"en": "Registered", "mn": "Бүртгэлтэй"}, Type: iltod.Integer, Required: true,
				Min: i64(0), Max: i64(5000), Count: iltod.CountRegistered},
			{Tag: "CV", Label: iltod.Text{"en": "Valid", "mn": "Хүчинтэй"}, Type: iltod.Integer, Min: i64(0),
				Count: iltod.CountValid, Contest: "tier:sgk/constituency"},
			{Tag: "K", Label: iltod.Text{"en": "Votes", "mn": "Санал"}, Type: iltod.Integer, Min: i64(0),
				Count: iltod.CountChoice, Contest: "tier:sgk/constituency", Choice: iltod.EachChoice},
			{Tag: "OK", Label: iltod.Text{"en": "Posted?", "mn": "Өлгөсөн үү?"}, Type: iltod.YesNo},
			{Tag: "P", Label: iltod.Text{"en": "Protocol photo", "mn": "Протоколын зураг"}, Type: iltod.Photo},
		}}
	in := odk.Input{Form: form, Languages: []string{"mn", "en"}, Contests: map[string]*iltod.Contest{}}
	for i := range contests {
		in.Contests[contests[i].Code] = &contests[i]
	}
	for _, st := range []iltod.Station{
		{Code: "s1", Area: "a1", Name: iltod.Text{"en": "School 1"}, Registered: 900},
		{Code: "s2", Area: "a2", Name: iltod.Text{"en": "School 2"}, Registered: 800},
	} {
		sh, err := qa.Expand(form, st, contests, areas)
		if err != nil {
			t.Fatal(err)
		}
		in.Stations = append(in.Stations, odk.StationSheet{Station: st, Sheet: sh})
	}
	return in
}

func TestFields(t *testing.T) {
	in := fixture(t)
	fields, err := odk.Fields(in)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fields {
		got = append(got, f.Name+"@"+strings.Join(f.Stations, ","))
	}
	// K1 and K2 mean other candidates at s1 and s2; K3 exists at s2 only; CV is one
	// question with the same label at both.
	want := "REG@ CV@ K1@s1 K2@s1 K1_2@s2 K2_2@s2 K3@s2 OK@ P@"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("fields\n got %s\nwant %s", g, want)
	}
	if odk.TagOf("K1_2") != "K1" || odk.TagOf("REG") != "REG" {
		t.Error("TagOf")
	}
}

func TestXFormWellFormed(t *testing.T) {
	x, err := odk.XForm(fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(bytes.NewReader(x))
	for {
		if _, err := d.Token(); err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("XForm is not well-formed XML: %v", err)
			}
			break
		}
	}
	for _, s := range []string{
		`<translation lang="mn" default="true()">`, `<translation lang="en">`,
		`<text id="K1_2:label"><value>Votes — 1. Suvd</value></text>`,
		`<text id="K1:label"><value>Санал — 1. Bat</value></text>`,
		`<bind nodeset="/data/REG" type="int" required="true()"`,
		`relevant="/data/station = &#39;s2&#39;"`,
		`<upload ref="/data/P" mediatype="image/*">`,
		`<data id="res" version="2">`,
		`jr:preload="uid"`,
	} {
		if !bytes.Contains(x, []byte(s)) {
			t.Errorf("XForm lacks %s", s)
		}
	}
}

// TestEngine loads the XForm in the real ODK engine, and checks that it enforces what
// the server would refuse or flag: the range, the phone checks, per station.
func TestEngine(t *testing.T) {
	e := odktest.New(t)
	in := fixture(t)
	x, err := odk.XForm(in)
	if err != nil {
		t.Fatal(err)
	}
	fields, _ := odk.Fields(in)
	ok := map[string]any{"station": "s2", "REG": "800", "CV": "600", "K1_2": "100", "K2_2": "200", "K3": "300", "OK": "yes"}
	out, err := e.Fill(x, ok)
	if err != nil {
		t.Fatalf("a valid report: %v", err)
	}
	inst, err := odk.ParseInstance(out)
	if err != nil {
		t.Fatalf("parse the engine's instance: %v\n%s", err, out)
	}
	if inst.FormID != "res" || inst.Version != "2" || inst.Station != "s2" || !strings.HasPrefix(inst.InstanceID, "uuid:") {
		t.Errorf("instance %+v", inst)
	}
	answers, photos, err := odk.Answers(inst, fields)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]iltod.Value{"REG": iltod.IntValue(800), "CV": iltod.IntValue(600), "K1": iltod.IntValue(100),
		"K2": iltod.IntValue(200), "K3": iltod.IntValue(300), "OK": iltod.BoolValue(true)}
	if len(answers) != len(want) || len(photos) != 0 {
		t.Errorf("answers %v photos %v, want %v", answers, photos, want)
	}
	for k, v := range want {
		if answers[k].Kind != v.Kind || answers[k].Int != v.Int || answers[k].Bool != v.Bool {
			t.Errorf("answer %s = %+v, want %+v", k, answers[k], v)
		}
	}
	for name, bad := range map[string]map[string]any{
		"over the max":        {"station": "s1", "REG": "5001"},
		"required missing":    {"station": "s1"},
		"valid-sum fails":     {"station": "s1", "REG": "900", "CV": "10", "K1": "3", "K2": "4"},
		"valid-sum fails, s2": {"station": "s2", "REG": "800", "CV": "10", "K1_2": "3", "K2_2": "4", "K3": "1"},
	} {
		if _, err := e.Fill(x, bad); !errors.Is(err, odktest.ErrNotReady) {
			t.Errorf("%s: engine error %v, want not ready", name, err)
		}
	}
	// The s2 check does not hold s1 back: K1+K2 = CV holds there.
	if _, err := e.Fill(x, map[string]any{"station": "s1", "REG": "900", "CV": "7", "K1": "3", "K2": "4"}); err != nil {
		t.Errorf("a valid s1 report: %v", err)
	}
}

func TestAnswersRefusesFieldsOfAnotherStation(t *testing.T) {
	in := fixture(t)
	fields, _ := odk.Fields(in)
	inst := &odk.Instance{FormID: "res", Version: "2", InstanceID: "uuid:x", Station: "s1", Fields: map[string]string{"K3": "1"}}
	var p *odk.AnswerProblem
	if _, _, err := odk.Answers(inst, fields); !errors.As(err, &p) || p.Field != "K3" {
		t.Errorf("K3 at s1: %v", err)
	}
	inst.Fields = map[string]string{"REG": "x"}
	if _, _, err := odk.Answers(inst, fields); !errors.As(err, &p) || p.Field != "REG" {
		t.Errorf("REG x: %v", err)
	}
}

func TestParseInstance(t *testing.T) {
	good := `<?xml version="1.0"?><data xmlns:jr="x" id="res" version="2"><station>s1</station><REG> 5 </REG><K1/>` +
		`<meta><instanceID>uuid:1234-5678</instanceID></meta></data>`
	in, err := odk.ParseInstance([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if in.Station != "s1" || in.Fields["REG"] != "5" || len(in.Fields) != 1 || in.InstanceID != "uuid:1234-5678" {
		t.Errorf("%+v", in)
	}
	for _, bad := range []string{
		``, `<data/>`, `<data id="a" version="1"><meta><instanceID/></meta></data>`,
		`<data id="a" version="1"><X>1</X><X>2</X><meta><instanceID>u</instanceID></meta></data>`,
		`<data id="a" version="1"><G><X>1</X></G><meta><instanceID>u</instanceID></meta></data>`,
		`<data id="a" version="1"><meta><instanceID>u</instanceID></meta></data><data/>`,
		`<data id="a" version="1"><meta><instanceID>u</instanceID></meta>`,
	} {
		if _, err := odk.ParseInstance([]byte(bad)); !errors.Is(err, odk.ErrInstance) {
			t.Errorf("ParseInstance(%q) = %v, want ErrInstance", bad, err)
		}
	}
	if id, ok := odk.ReportID("uuid:6c1c2f7e-8f3a-4c39-9e0b-0c2a2b1d9f10"); !ok || id != "odk-6c1c2f7e-8f3a-4c39-9e0b-0c2a2b1d9f10" {
		t.Errorf("ReportID = %q %v", id, ok)
	}
	if _, ok := odk.ReportID("uuid:a b"); ok {
		t.Error("ReportID accepted a space")
	}
}

func FuzzParseInstance(f *testing.F) {
	f.Add([]byte(`<data id="res" version="2"><station>s1</station><REG>5</REG><meta><instanceID>uuid:1</instanceID></meta></data>`))
	f.Add([]byte(`<data id="a" version="1"><G><X>1</X></G></data>`))
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE x><data/>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := odk.ParseInstance(b)
		if err != nil {
			if in != nil {
				t.Fatal("instance with error")
			}
			return
		}
		if in.FormID == "" || in.Version == "" || in.InstanceID == "" {
			t.Fatalf("accepted without id, version or instanceID: %+v", in)
		}
		for k, v := range in.Fields {
			if v == "" || k == "station" || k == "meta" {
				t.Fatalf("field %q = %q", k, v)
			}
		}
	})
}

func TestDigest(t *testing.T) {
	now := time.Date(2024, 6, 28, 8, 0, 0, 0, time.UTC)
	d := &odk.Digest{Realm: "iltod e1", Key: []byte("0123456789abcdef0123456789abcdef"), Now: func() time.Time { return now }}
	ha1 := odk.HA1("obs1", d.Realm, "secret")
	ch := d.Challenge(false)
	if !strings.HasPrefix(ch, `Digest realm="iltod e1", qop="auth"`) {
		t.Errorf("challenge %s", ch)
	}
	verify := func(h, method, uri, ha1 string) error {
		c, err := odk.ParseAuthorization(h)
		if err != nil {
			return err
		}
		return d.Verify(c, method, uri, ha1)
	}
	h, err := odk.Authorize(ch, "GET", "/odk/e1/formList", "obs1", "secret", "abc")
	if err != nil {
		t.Fatal(err)
	}
	if err := verify(h, "GET", "/odk/e1/formList", ha1); err != nil {
		t.Errorf("right password: %v", err)
	}
	// RFC 7616 §3.9.1's example with MD5, computed by its authors.
	rfcHA1 := odk.HA1("Mufasa", "http-auth@example.org", "Circle of Life")
	if got := odk.DigestResponse(rfcHA1, "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "00000001",
		"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "auth", "GET", "/dir/index.html"); got != "8ca523f5e9506fed4657c9700eebdbec" {
		t.Errorf("RFC 7616 example: response %s, want 8ca523f5e9506fed4657c9700eebdbec", got)
	}
	for name, c := range map[string]struct{ h, method, uri, ha1 string }{
		"wrong password": {mustAuth(t, ch, "GET", "/odk/e1/formList", "obs1", "nope"), "GET", "/odk/e1/formList", ha1},
		"other method":   {h, "POST", "/odk/e1/formList", ha1},
		"other uri":      {h, "GET", "/odk/e2/formList", ha1},
		"forged nonce":   {strings.Replace(h, `nonce="`, `nonce="A`, 1), "GET", "/odk/e1/formList", ha1},
		"other realm":    {strings.Replace(h, `realm="iltod e1"`, `realm="iltod e2"`, 1), "GET", "/odk/e1/formList", ha1},
		"sha-256":        {strings.Replace(h, `algorithm=MD5`, `algorithm=SHA-256`, 1), "GET", "/odk/e1/formList", ha1},
	} {
		if err := verify(c.h, c.method, c.uri, c.ha1); !errors.Is(err, odk.ErrBadCredentials) {
			t.Errorf("%s: %v, want ErrBadCredentials", name, err)
		}
	}
	now = now.Add(odk.DefaultNonceTTL + time.Second)
	if err := verify(h, "GET", "/odk/e1/formList", ha1); !errors.Is(err, odk.ErrStale) {
		t.Errorf("expired nonce: %v, want ErrStale", err)
	}
	if _, err := odk.ParseAuthorization("Basic b2JzMTpzZWNyZXQ="); !errors.Is(err, odk.ErrNoCredentials) {
		t.Errorf("Basic: %v", err)
	}
}

func mustAuth(t *testing.T, ch, method, uri, user, pass string) string {
	h, err := odk.Authorize(ch, method, uri, user, pass, "xyz")
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func FuzzParseAuthorization(f *testing.F) {
	f.Add(`Digest username="a", realm="r", nonce="n", uri="/x", response="0", qop=auth, nc=00000001, cnonce="c"`)
	f.Add(`Digest username="a\"b", uri=/x, nonce=n, response=r`)
	f.Add(`Digest username="a`)
	f.Fuzz(func(t *testing.T, h string) {
		c, err := odk.ParseAuthorization(h)
		if err == nil && (c.Username == "" || c.URI == "" || c.Nonce == "" || c.Response == "") {
			t.Fatalf("accepted %q without a required field", h)
		}
	})
}

func TestDocuments(t *testing.T) {
	fl := odk.FormList([]odk.FormEntry{{FormID: "res", Name: "R & D", Version: "2", Hash: odk.Hash([]byte("x")), DownloadURL: "https://h/odk/e/forms/res/2"}})
	for _, s := range []string{`<xforms xmlns="http://openrosa.org/xforms/xformsList">`, `<hash>md5:9dd4e461268c8034f5c8564e155c67a6</hash>`, `R &amp; D`} {
		if !bytes.Contains(fl, []byte(s)) {
			t.Errorf("formList lacks %s:\n%s", s, fl)
		}
	}
	r := odk.Response(odk.NatureSuccess, "ok <1>")
	if !bytes.Contains(r, []byte(`<OpenRosaResponse xmlns="http://openrosa.org/http/response"><message nature="submit_success">ok &lt;1&gt;</message></OpenRosaResponse>`)) {
		t.Errorf("response %s", r)
	}
}
