package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// Incidents reach the app from observers by three channels besides the console: the
// observer app (a device-signed request, then each evidence file uploaded), SMS (an
// "INC" message, messages.go) and ODK (an incident XForm, odk_incidents.go). Each
// authenticates the observer its own way and then reports through ReportIncident with
// SourceObserver; evidence is sealed on arrival (SealEvidence) and never kept in the
// clear. See docs/incidents.md, "Channels".

// The ops of the incident requests a device signs (over iltod.RequestMessage, like an
// iltod.DeviceRequest, whose ops they never share).
const (
	// OpIncident reports an incident (DeviceIncident).
	OpIncident = "incident"
	// OpIncidentEvidence authenticates the upload of one evidence file (EvidenceUpload).
	OpIncidentEvidence = "incident_evidence"
)

// Limits of the observer app's incidents.
const (
	// MaxDeviceEvidence bounds the evidence files one incident from a device names.
	MaxDeviceEvidence = 10
	// MaxDeviceEvidenceBytes bounds one evidence file uploaded from a device.
	MaxDeviceEvidenceBytes = 32 << 20
	// MaxDeviceIncidentsPerHour bounds the new incidents one device reports, so that a
	// stolen phone cannot fill the store before it is revoked: as many at once, then one
	// more every hour/MaxDeviceIncidentsPerHour (two minutes). The count is kept in the
	// store, so it holds across every server instance.
	MaxDeviceIncidentsPerHour = 30
)

// DeviceIncident is the payload of an incident report from the observer app: canonical
// JSON signed by the device over iltod.RequestMessage. Place is Station (one the
// observer may report for) or Position, or neither when the observer has exactly one
// station, which is then the place.
type DeviceIncident struct {
	// Op is OpIncident.
	Op string `json:"op"`
	// ID is the phone's id of the incident, a UUID (iltod.ValidReportID): the same ID
	// and evidence from the same device are the same incident, so a resend after a lost
	// answer stores nothing new.
	ID string `json:"id"`
	// Time is the device's clock when it signed, RFC 3339.
	Time     string `json:"time"`
	Category string `json:"category"`
	Severity string `json:"severity"`
	// Start and End (optional) are RFC 3339.
	Start     string          `json:"start"`
	End       string          `json:"end,omitempty"`
	Station   string          `json:"station,omitempty"`
	Position  *iltod.Position `json:"position,omitempty"`
	Narrative string          `json:"narrative"`
	// Evidence are the SHA-256 (lower-case hex) of each evidence file the phone will
	// upload, at most MaxDeviceEvidence, none twice.
	Evidence []string `json:"evidence"`
}

// EvidenceUpload is the payload that authenticates the upload of one evidence file of a
// DeviceIncident: the incident's ID and Evidence as that report gave them, signed by the
// same device over iltod.RequestMessage.
type EvidenceUpload struct {
	Op       string   `json:"op"`
	ID       string   `json:"id"`
	Time     string   `json:"time"`
	Evidence []string `json:"evidence"`
}

// IncidentReceipt answers a device's incident report.
type IncidentReceipt struct {
	// ID is the stored incident's id, which the evidence uploads name.
	ID string `json:"id"`
	// Duplicate is true when the incident was stored before, from the same report.
	Duplicate bool `json:"duplicate"`
	// Missing are the evidence hashes named and not yet uploaded.
	Missing []string `json:"missing"`
}

// EvidenceReceipt answers an evidence upload.
type EvidenceReceipt struct {
	Evidence iltod.EvidenceRef `json:"evidence"`
	// Stored is false when the incident held the file already.
	Stored bool `json:"stored"`
}

// deviceIncidentID is the id of an incident a device reports: derived from the device's
// key, the phone's id of it and the evidence it names, so that a resend is the same
// incident and only the same device, naming the same evidence, can upload to it.
func deviceIncidentID(keyID, id string, evidence []string) string {
	ev := slices.Clone(evidence)
	slices.Sort(ev)
	h := sha256.Sum256([]byte("iltod-device-incident-v1\n" + keyID + "\n" + id + "\n" + strings.Join(ev, ",")))
	return hex.EncodeToString(h[:16])
}

// decodeSignedPayload decodes the payload of a signed request into v, refusing unknown fields.
func decodeSignedPayload(env *iltod.Envelope, v any) error {
	dec := json.NewDecoder(bytes.NewReader(env.Payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return iltod.E(iltod.EInvalid, "error.incident.field", locales.Args{"Field": "payload"})
	}
	return nil
}

// checkEvidenceList checks the hashes an incident request names.
func checkEvidenceList(hashes []string) error {
	if len(hashes) > MaxDeviceEvidence {
		return iltod.E(iltod.EInvalid, "error.incident_channel.too_many", locales.Args{"Max": MaxDeviceEvidence})
	}
	seen := map[string]bool{}
	for _, h := range hashes {
		if _, ok := iltod.PhotoHash(h); !ok || seen[h] {
			return iltod.E(iltod.EInvalid, "error.incident.field", locales.Args{"Field": "evidence"})
		}
		seen[h] = true
	}
	return nil
}

// deviceObserver authenticates a signed incident request of op and returns the device,
// its election and its observer. Errors: those of signedBy (EUnknownKey, ERevokedKey,
// EBadSignature, EInvalid), EInvalid for another op, EForbidden when the observer left
// the election.
func (a *App) deviceObserver(ctx context.Context, raw []byte, op string, v interface{ op() string }) (iltod.Device, *election, *iltod.Observer, error) {
	env, dev, err := a.signedBy(ctx, raw, (*iltod.Envelope).VerifyRequest)
	if err != nil {
		return dev, nil, nil, err
	}
	if err := decodeSignedPayload(env, v); err != nil {
		return dev, nil, nil, err
	}
	if v.op() != op {
		return dev, nil, nil, iltod.E(iltod.EInvalid, "error.device.wrong_op", locales.Args{"Op": v.op(), "Want": op})
	}
	el, err := a.election(ctx, dev.Election)
	if err != nil {
		return dev, nil, nil, err
	}
	obs, ok := el.observers[dev.Observer]
	if !ok {
		return dev, nil, nil, iltod.E(iltod.EForbidden, "error.app.observer_gone", nil)
	}
	return dev, el, obs, nil
}

func (d *DeviceIncident) op() string { return d.Op }
func (u *EvidenceUpload) op() string { return u.Op }

// incidentPlace returns the place of an observer's incident: the station named, which
// the observer must be assigned to, else the position given, else the observer's one
// station.
func (el *election) incidentPlace(obs *iltod.Observer, station string, pos *iltod.Position) (iltod.Place, error) {
	bad := iltod.E(iltod.EInvalid, "error.incident.field", locales.Args{"Field": "place"})
	switch {
	case station != "" && pos != nil:
		return iltod.Place{}, bad
	case station != "":
		if _, ok := el.stations[station]; !ok {
			return iltod.Place{}, iltod.E(iltod.EInvalid, "error.app.unknown_station", locales.Args{"Station": station})
		}
		if !el.mayReport(obs, station) {
			return iltod.Place{}, errNotAssigned(obs.Code, station)
		}
		return iltod.Place{Station: station}, nil
	case pos != nil:
		if pos.Validate() != nil {
			return iltod.Place{}, bad
		}
		return iltod.Place{Position: pos}, nil
	case len(obs.Stations) == 1:
		return iltod.Place{Station: obs.Stations[0]}, nil
	}
	return iltod.Place{}, bad
}

// DeviceReportIncident stores an incident an enrolled device reports (raw is the
// envelope of a DeviceIncident, signed over iltod.RequestMessage) as the device's
// observer's, with source observer, and returns its id and the evidence still to upload
// (DeviceIncidentEvidence). The same report sent again returns the same incident,
// Duplicate; the same phone id with other content is EConflict. The signature is the
// authentication (see deviceObserver for its errors); EInvalid for a bad field, an
// unknown category or severity; ENotAssigned for a station not the observer's;
// ERateLimited past MaxDeviceIncidentsPerHour new incidents of the device.
func (a *App) DeviceReportIncident(ctx context.Context, raw []byte) (IncidentReceipt, error) {
	var d DeviceIncident
	dev, el, obs, err := a.deviceObserver(ctx, raw, OpIncident, &d)
	if err != nil {
		return IncidentReceipt{}, err
	}
	bad := func(field string) error {
		return iltod.E(iltod.EInvalid, "error.incident.field", locales.Args{"Field": field})
	}
	if !iltod.ValidReportID(d.ID) {
		return IncidentReceipt{}, bad("id")
	}
	if !validRFC3339(d.Time) {
		return IncidentReceipt{}, bad("time")
	}
	start, err := time.Parse(time.RFC3339, d.Start)
	if err != nil {
		return IncidentReceipt{}, bad("start")
	}
	var end time.Time
	if d.End != "" {
		if end, err = time.Parse(time.RFC3339, d.End); err != nil {
			return IncidentReceipt{}, bad("end")
		}
	}
	if err := checkEvidenceList(d.Evidence); err != nil {
		return IncidentReceipt{}, err
	}
	place, err := el.incidentPlace(obs, d.Station, d.Position)
	if err != nil {
		return IncidentReceipt{}, err
	}
	id := deviceIncidentID(dev.KeyID, d.ID, d.Evidence)
	if in, err := a.store.Incident(ctx, el.e.ID, id); err == nil {
		if in.Narrative != d.Narrative || in.Category != d.Category || in.Severity != d.Severity {
			return IncidentReceipt{}, iltod.E(iltod.EConflict, "error.incident_channel.conflict", locales.Args{"ID": d.ID})
		}
		return IncidentReceipt{ID: id, Duplicate: true, Missing: missingEvidence(in, d.Evidence)}, nil
	} else if iltod.ErrorCodeOf(err) != iltod.ENotFound {
		return IncidentReceipt{}, err
	}
	if wait, err := a.store.TakeToken(ctx, "incident:"+dev.KeyID, MaxDeviceIncidentsPerHour, time.Hour/MaxDeviceIncidentsPerHour, a.now()); err != nil {
		return IncidentReceipt{}, err
	} else if wait > 0 {
		return IncidentReceipt{}, iltod.E(iltod.ERateLimited, "error.incident_channel.rate", locales.Args{"Max": MaxDeviceIncidentsPerHour})
	}
	in, err := a.ReportIncident(SystemContext(ctx), IncidentReport{
		Election: el.e.ID, Category: d.Category, Severity: d.Severity, Start: start, End: end, Place: place,
		Narrative: d.Narrative, Source: iltod.SourceObserver, Observer: obs.Code, id: id})
	if iltod.ErrorCodeOf(err) == iltod.EConflict {
		// Two copies of one report crossed: the other stored it.
		if in, err = a.store.Incident(ctx, el.e.ID, id); err != nil {
			return IncidentReceipt{}, err
		}
		return IncidentReceipt{ID: id, Duplicate: true, Missing: missingEvidence(in, d.Evidence)}, nil
	}
	if err != nil {
		return IncidentReceipt{}, err
	}
	return IncidentReceipt{ID: in.ID, Missing: missingEvidence(in, d.Evidence)}, nil
}

// missingEvidence returns the hashes of named not among in's evidence, in their order.
func missingEvidence(in iltod.IncidentRecord, named []string) []string {
	out := []string{}
	for _, h := range named {
		if !slices.ContainsFunc(in.Evidence, func(e iltod.EvidenceRef) bool { return e.PlainSHA256 == h }) {
			out = append(out, h)
		}
	}
	return out
}

// evidenceMu serialises the read-modify-write of an incident's evidence list within
// this process, so that two uploads to one incident cannot drop each other's file;
// lockIncident does it across the instances sharing the store.
var evidenceMu sync.Mutex

// incidentLease is how long an incident's lock holds if its holder dies holding it.
const incidentLease = 2 * time.Minute

// lockIncident takes, across every server instance sharing the store, the right to
// read, change and write back one incident: a lease kept as a spent token, released by
// unlock or lapsing after incidentLease. It waits while another holds it, until ctx
// ends.
func (a *App) lockIncident(ctx context.Context, election, id string) (unlock func(), err error) {
	key := sha256.Sum256([]byte("incident lock\n" + election + "\n" + id))
	for {
		now := time.Now() // a lease is real time, whatever the app's clock
		err := a.store.SpendToken(ctx, key[:], now, now.Add(incidentLease))
		if err == nil {
			return func() { a.store.ReleaseToken(context.WithoutCancel(ctx), key[:]) }, nil
		}
		if iltod.ErrorCodeOf(err) != iltod.EConflict {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// DeviceIncidentEvidence seals one evidence file of an incident that the device reported
// (DeviceReportIncident) and attaches it to the incident as a logged change. auth is the
// envelope of an EvidenceUpload signed by the same device, naming the incident's phone id
// and evidence as its report did; sha is the file's SHA-256 (lower-case hex), which must
// be among them and must be the SHA-256 of data. Uploading a file the incident holds
// already stores nothing (Stored false). Errors: those of deviceObserver; EForbidden when
// the incident is not the device's; EInvalid for a hash not named or not data's, an
// empty file or one over MaxDeviceEvidenceBytes; ENotFound for no such incident;
// EConflict when the server has no evidence recipients (SealEvidence).
func (a *App) DeviceIncidentEvidence(ctx context.Context, incident, sha string, auth, data []byte) (EvidenceReceipt, error) {
	var u EvidenceUpload
	dev, el, obs, err := a.deviceObserver(ctx, auth, OpIncidentEvidence, &u)
	if err != nil {
		return EvidenceReceipt{}, err
	}
	if err := checkEvidenceList(u.Evidence); err != nil {
		return EvidenceReceipt{}, err
	}
	if deviceIncidentID(dev.KeyID, u.ID, u.Evidence) != incident {
		return EvidenceReceipt{}, iltod.E(iltod.EForbidden, "error.incident_channel.not_yours", nil)
	}
	if !slices.Contains(u.Evidence, sha) {
		return EvidenceReceipt{}, iltod.E(iltod.EInvalid, "error.incident_channel.not_named", locales.Args{"SHA": sha})
	}
	if len(data) == 0 || len(data) > MaxDeviceEvidenceBytes {
		return EvidenceReceipt{}, iltod.E(iltod.EInvalid, "error.evidence.size", locales.Args{"Max": int64(MaxDeviceEvidenceBytes >> 20)})
	}
	if got := sha256.Sum256(data); hex.EncodeToString(got[:]) != sha {
		return EvidenceReceipt{}, iltod.E(iltod.EInvalid, "error.incident_channel.bad_hash", nil)
	}
	return a.attachObserverEvidence(ctx, el.e.ID, incident, obs.Code, data)
}

// attachObserverEvidence seals data and adds it to the evidence of an incident that observer
// reported, as a logged change; a file the incident holds already is not sealed again.
func (a *App) attachObserverEvidence(ctx context.Context, election, id, observer string, data []byte) (EvidenceReceipt, error) {
	sum := sha256.Sum256(data)
	plain := hex.EncodeToString(sum[:])
	evidenceMu.Lock()
	defer evidenceMu.Unlock()
	unlock, err := a.lockIncident(ctx, election, id)
	if err != nil {
		return EvidenceReceipt{}, err
	}
	defer unlock()
	in, err := a.store.Incident(ctx, election, id)
	if err != nil {
		return EvidenceReceipt{}, err
	}
	if in.Source != iltod.SourceObserver || in.Reporter != observer {
		return EvidenceReceipt{}, iltod.E(iltod.EForbidden, "error.incident_channel.not_yours", nil)
	}
	for _, e := range in.Evidence {
		if e.PlainSHA256 == plain {
			return EvidenceReceipt{Evidence: e}, nil
		}
	}
	ref, err := a.SealEvidence(ctx, data)
	if err != nil {
		return EvidenceReceipt{}, err
	}
	from := in.Status
	in.Evidence = append(slices.Clone(in.Evidence), ref)
	if err := in.Validate(); err != nil {
		return EvidenceReceipt{}, err
	}
	ev, err := a.event("system", election, iltod.EventIncident, iltod.IncidentSubject(id), map[string]any{
		"action": "evidence", "source": string(in.Source), "plain_sha256": ref.PlainSHA256})
	if err != nil {
		return EvidenceReceipt{}, err
	}
	if _, err := a.store.UpdateIncident(ctx, in, from, ev); err != nil {
		return EvidenceReceipt{}, err
	}
	return EvidenceReceipt{Evidence: ref, Stored: true}, nil
}

func validRFC3339(s string) bool {
	_, err := time.Parse(time.RFC3339, s)
	return err == nil
}
