package odk

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/incident"
	"github.com/iltod/iltod/locales"
)

// The incident form: besides the election's forms, every observer gets one XForm to
// report an incident, written from the election's incident taxonomy. Its instance root
// is <data id="iltod_incident" version="V">, V a digest of the form's content (so that
// ODK Collect offers the update when the taxonomy or the observer's stations change),
// and its submission goes to the URL the server gives (IncidentInput.Action), not to
// the election's report submission.

// IncidentFormID is the form id of the incident XForm. A package should not give a form
// this code: ODK Collect would then list two forms with one id.
const IncidentFormID = "iltod_incident"

// IncidentAttachments are the instance fields of the incident XForm that name attached
// files, with the media type each asks for.
var IncidentAttachments = []struct{ Field, MediaType string }{
	{"photo1", "image/*"}, {"photo2", "image/*"}, {"photo3", "image/*"},
	{"audio", "audio/*"}, {"video", "video/*"}, {"file", "application/*"},
}

// IncidentInput is what the incident XForm is written from.
type IncidentInput struct {
	Taxonomy *incident.Taxonomy
	// Languages are the election's languages, the first the default.
	Languages []string
	// Stations are the observer's stations, offered as the place; may be empty, and the
	// place is then the position (a geopoint).
	Stations []iltod.Station
	// Action is the URL the form's submissions are posted to.
	Action string
}

// IncidentXForm writes the incident XForm of in and returns it with its version: the
// category (select one, "Group: Category" labels, the taxonomy's full codes as values),
// the severity, the start (dateTime), the station or a geopoint, the narrative, and
// attachments (IncidentAttachments), with meta/instanceID preloaded with a UUID.
func IncidentXForm(in IncidentInput) (xform []byte, version string, err error) {
	if in.Taxonomy == nil {
		return nil, "", fmt.Errorf("incident xform: no taxonomy")
	}
	if len(in.Stations) > MaxStations {
		return nil, "", fmt.Errorf("incident xform: %d stations, more than %d", len(in.Stations), MaxStations)
	}
	langs := in.Languages
	if len(langs) == 0 {
		langs = []string{locales.Fallback}
	}
	w := &xw{}
	w.head(locales.For(langs[0]).T("observe.odk.incident.title"), langs, func(lang string, p *locales.Printer, text func(id, v string)) {
		text("required", p.T("observe.odk.required"))
		for _, f := range []string{"category", "severity", "start", "station", "where", "narrative", "photo", "audio", "video", "file"} {
			text(f+":label", p.T("observe.odk.incident."+f))
		}
		for _, g := range in.Taxonomy.Groups {
			for _, c := range g.Categories {
				text("category:"+c.Code, g.Label.In(lang, langs...)+": "+c.Label.In(lang, langs...))
			}
		}
		for _, s := range in.Taxonomy.Severities {
			text("severity:"+s.Code, s.Label.In(lang, langs...))
		}
		for _, st := range in.Stations {
			text("station:"+st.Code, st.Code+" "+st.Name.In(lang, langs...))
		}
	})
	w.s("<instance>\n<data id=\"" + IncidentFormID + `" version="@VERSION@">` + "\n")
	w.s("<category/>\n<severity/>\n<start/>\n<station/>\n<where/>\n<narrative/>\n")
	for _, a := range IncidentAttachments {
		w.s("<" + a.Field + "/>\n")
	}
	w.s("<meta><instanceID/></meta>\n</data>\n</instance>\n")
	req := ` required="true()" jr:requiredMsg="jr:itext('required')"`
	w.s(`<bind nodeset="/data/category" type="select1"` + req + "/>\n")
	w.s(`<bind nodeset="/data/severity" type="select1"` + req + "/>\n")
	w.s(`<bind nodeset="/data/start" type="dateTime"` + req + "/>\n")
	w.s(`<bind nodeset="/data/station" type="select1"/>` + "\n")
	if len(in.Stations) == 0 {
		w.s(`<bind nodeset="/data/where" type="geopoint"` + req + "/>\n")
	} else {
		w.s(`<bind nodeset="/data/where" type="geopoint" relevant="/data/station = ''"/>` + "\n")
	}
	w.s(`<bind nodeset="/data/narrative" type="string"` + req + "/>\n")
	for _, a := range IncidentAttachments {
		w.s(`<bind nodeset="/data/` + a.Field + `" type="binary"/>` + "\n")
	}
	w.s(`<bind nodeset="/data/meta/instanceID" type="string" readonly="true()" jr:preload="uid"/>` + "\n")
	w.s(`<submission method="post" action="`)
	w.e(in.Action)
	w.s(`"/>` + "\n")
	w.s("</model>\n</h:head>\n<h:body>\n")
	sel := func(field string, values []string) {
		w.s(`<select1 ref="/data/` + field + `"><label ref="jr:itext('` + field + `:label')"/>` + "\n")
		for _, v := range values {
			w.s(`<item><label ref="jr:itext('` + field + ":")
			w.e(v)
			w.s(`')"/><value>`)
			w.e(v)
			w.s("</value></item>\n")
		}
		w.s("</select1>\n")
	}
	var cats, sevs, sts []string
	for _, g := range in.Taxonomy.Groups {
		for _, c := range g.Categories {
			cats = append(cats, c.Code)
		}
	}
	for _, s := range in.Taxonomy.Severities {
		sevs = append(sevs, s.Code)
	}
	for _, st := range in.Stations {
		sts = append(sts, st.Code)
	}
	sel("category", cats)
	sel("severity", sevs)
	w.s(`<input ref="/data/start"><label ref="jr:itext('start:label')"/></input>` + "\n")
	if len(sts) > 0 {
		sel("station", sts)
	}
	w.s(`<input ref="/data/where"><label ref="jr:itext('where:label')"/></input>` + "\n")
	w.s(`<input ref="/data/narrative" rows="6"><label ref="jr:itext('narrative:label')"/></input>` + "\n")
	for _, a := range IncidentAttachments {
		label := strings.TrimRight(a.Field, "123")
		w.s(`<upload ref="/data/` + a.Field + `" mediatype="` + a.MediaType + `"><label ref="jr:itext('` + label + `:label')"/></upload>` + "\n")
	}
	w.s("</h:body>\n</h:html>\n")
	sum := sha256.Sum256(w.b.Bytes())
	version = hex.EncodeToString(sum[:5])
	return []byte(strings.Replace(w.b.String(), "@VERSION@", version, 1)), version, nil
}

// ParseGeopoint reads an ODK geopoint, "lat lon [alt [accuracy]]" in degrees and
// metres, as a position (accuracy rounded up, 0 when not given). ok is false for
// anything else or a position out of range.
func ParseGeopoint(s string) (iltod.Position, bool) {
	f := strings.Fields(s)
	if len(f) < 2 || len(f) > 4 {
		return iltod.Position{}, false
	}
	var lat, lon, acc float64
	if _, err := fmt.Sscanf(f[0]+" "+f[1], "%g %g", &lat, &lon); err != nil {
		return iltod.Position{}, false
	}
	if len(f) == 4 {
		if _, err := fmt.Sscanf(f[3], "%g", &acc); err != nil || acc < 0 || acc > iltod.MaxAccuracyM {
			return iltod.Position{}, false
		}
	}
	if lat != lat || lon != lon || acc != acc { // NaN
		return iltod.Position{}, false
	}
	p := iltod.Position{LatE6: int64(lat * 1e6), LonE6: int64(lon * 1e6), AccuracyM: int64(acc + 0.999999)}
	if p.Validate() != nil {
		return iltod.Position{}, false
	}
	return p, true
}
