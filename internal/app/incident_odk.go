package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/odk"
	"github.com/iltod/iltod/locales"
)

// reportableStations returns the stations an observer may report for: those assigned,
// then those of the observers they supervise, in the package's order.
func (el *election) reportableStations(o *iltod.Observer) []iltod.Station {
	var out []iltod.Station
	for _, code := range el.stationOrder {
		if el.mayReport(o, code) {
			out = append(out, *el.stations[code])
		}
	}
	return out
}

// ODKIncidentForm returns the incident XForm of the election for the observer (see
// odk.IncidentXForm) and its version; its submissions go to action. An unknown observer
// is ENotFound.
func (a *App) ODKIncidentForm(ctx context.Context, election, observer, action string) ([]byte, string, error) {
	el, err := a.election(ctx, election)
	if err != nil {
		return nil, "", err
	}
	o, ok := el.observers[observer]
	if !ok {
		return nil, "", iltod.E(iltod.ENotFound, "error.app.no_observer", locales.Args{"Election": election, "Observer": observer})
	}
	tax, err := a.Taxonomy(ctx, election)
	if err != nil {
		return nil, "", err
	}
	sts := el.reportableStations(o)
	if len(sts) > odk.MaxStations {
		sts = sts[:odk.MaxStations]
	}
	return odk.IncidentXForm(odk.IncidentInput{Taxonomy: tax, Languages: el.e.Languages, Stations: sts, Action: action})
}

// SubmitODKIncident turns a submission of the incident XForm by observer (whom the
// OpenRosa server authenticated) into an incident with source observer: instance is
// xml_submission_file, files the other parts by file name. Each attachment the instance
// names is sealed as evidence (SealEvidence), the original kept as sent. The incident's
// id derives from the instanceID, so a resubmission is the same incident (dup true) and
// the instanceID reused for another narrative EConflict. Errors: EInvalid for an
// instance that cannot be read, a field of the wrong shape or a missing attachment;
// ENotAssigned for a station not the observer's; those of ReportIncident and
// SealEvidence otherwise.
func (a *App) SubmitODKIncident(ctx context.Context, election, observer string, instance []byte, files map[string][]byte) (in iltod.IncidentRecord, dup bool, err error) {
	inst, err := odk.ParseInstance(instance)
	if err != nil {
		e := iltod.E(iltod.EInvalid, "error.odk.instance", nil)
		e.Err = err
		return in, false, e
	}
	el, err := a.election(ctx, election)
	if err != nil {
		return in, false, err
	}
	o, ok := el.observers[observer]
	if !ok {
		return in, false, iltod.E(iltod.ENotFound, "error.app.no_observer", locales.Args{"Election": election, "Observer": observer})
	}
	if inst.FormID != odk.IncidentFormID {
		return in, false, errNoForm(election, inst.FormID)
	}
	if inst.InstanceID == "" || len(inst.InstanceID) > 100 {
		return in, false, iltod.E(iltod.EInvalid, "error.odk.instance", nil)
	}
	h := sha256.Sum256([]byte("iltod-odk-incident-v1\n" + election + "\n" + observer + "\n" + inst.InstanceID))
	id := hex.EncodeToString(h[:16])
	f := inst.Fields
	if prev, err := a.store.Incident(ctx, election, id); err == nil {
		if prev.Narrative != f["narrative"] {
			return in, false, iltod.E(iltod.EConflict, "error.incident_channel.conflict", locales.Args{"ID": inst.InstanceID})
		}
		return prev, true, nil
	} else if iltod.ErrorCodeOf(err) != iltod.ENotFound {
		return in, false, err
	}
	bad := func(field string) error {
		return iltod.E(iltod.EInvalid, "error.odk.field", locales.Args{"Field": field, "Value": truncateRunes(f[field], 40)})
	}
	start, err := time.Parse(time.RFC3339, f["start"])
	if err != nil {
		return in, false, bad("start")
	}
	var place iltod.Place
	switch {
	case inst.Station != "":
		place, err = el.incidentPlace(o, inst.Station, nil)
	case f["where"] != "":
		p, ok := odk.ParseGeopoint(f["where"])
		if !ok {
			return in, false, bad("where")
		}
		place, err = el.incidentPlace(o, "", &p)
	default:
		place, err = el.incidentPlace(o, "", nil)
	}
	if err != nil {
		return in, false, err
	}
	tax, err := a.Taxonomy(ctx, election)
	if err != nil {
		return in, false, err
	}
	if err := tax.Check(f["category"], f["severity"]); err != nil {
		return in, false, err
	}
	var refs []iltod.EvidenceRef
	for _, att := range odk.IncidentAttachments {
		name := f[att.Field]
		if name == "" {
			continue
		}
		data, ok := files[name]
		if !ok {
			return in, false, iltod.E(iltod.EInvalid, "error.odk.attachment_missing", locales.Args{"File": truncateRunes(name, 60)})
		}
		ref, err := a.SealEvidence(ctx, data)
		if err != nil {
			return in, false, err
		}
		dupRef := false
		for _, r := range refs {
			dupRef = dupRef || r.PlainSHA256 == ref.PlainSHA256
		}
		if !dupRef {
			refs = append(refs, ref)
		}
	}
	in, err = a.ReportIncident(SystemContext(ctx), IncidentReport{
		Election: election, Category: f["category"], Severity: f["severity"], Start: start, Place: place,
		Narrative: f["narrative"], Evidence: refs, Source: iltod.SourceObserver, Observer: o.Code, id: id})
	return in, false, err
}
