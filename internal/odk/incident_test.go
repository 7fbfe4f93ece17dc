package odk

import (
	"bytes"
	"encoding/xml"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/incident"
)

func TestIncidentXForm(t *testing.T) {
	in := IncidentInput{Taxonomy: incident.Default(), Languages: []string{"mn", "en"}, Action: "https://x.example/odk/e/incident/submission",
		Stations: []iltod.Station{{Code: "UB-001", Name: iltod.Text{"mn": "Нэг", "en": "One"}}}}
	x, v, err := IncidentXForm(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(x, new(struct{})); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	if !bytes.Contains(x, []byte(`<data id="iltod_incident" version="`+v+`">`)) || !bytes.Contains(x, []byte("freedoms.internet_shutdown")) {
		t.Errorf("XForm %s", x)
	}
	in.Stations = nil
	x2, v2, _ := IncidentXForm(in)
	if v2 == v || !bytes.Contains(x2, []byte(`<bind nodeset="/data/where" type="geopoint" required="true()"`)) {
		t.Errorf("without stations the version stays %s or the position is not required", v2)
	}
}

func TestParseGeopoint(t *testing.T) {
	for s, want := range map[string]*iltod.Position{
		"47.9189 106.9176 1350 12.3": {LatE6: 47918900, LonE6: 106917600, AccuracyM: 13},
		"47.9189 106.9176":           {LatE6: 47918900, LonE6: 106917600},
		"91 0":                       nil,
		"NaN 0":                      nil,
		"1 2 3 -4":                   nil,
		"":                           nil,
		"a b":                        nil,
	} {
		got, ok := ParseGeopoint(s)
		if (want == nil) == ok || (want != nil && got != *want) {
			t.Errorf("ParseGeopoint(%q) = %+v %v, want %+v", s, got, ok, want)
		}
	}
}

// FuzzParseGeopoint checks that ParseGeopoint never panics and accepts only valid
// positions.
func FuzzParseGeopoint(f *testing.F) {
	for _, s := range []string{"47.9189 106.9176 1350 12.3", "0 0", "-90 -180 0 100000", "1e3 0", "Inf 0", "0x1p-2 3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := ParseGeopoint(s)
		if ok && p.Validate() != nil {
			t.Fatalf("ParseGeopoint(%q) = %+v, invalid", s, p)
		}
	})
}
