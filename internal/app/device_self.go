package app

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/qa"
	"github.com/iltod/iltod/locales"
)

// Assignment is what an enrolled device needs to report offline: the stations its
// observer may report for, each with the latest version of every form as it applies
// there, and the election's settings. See docs/reports.md, "Device requests".
type Assignment struct {
	// ServerTime is the server's clock when it answered, for the phone to judge its own.
	ServerTime time.Time       `json:"server_time"`
	Device     iltod.Device    `json:"device"`
	Election   ElectionSummary `json:"election"`
	Settings   DeviceSettings  `json:"settings"`
	Stations   []DeviceStation `json:"stations"`
}

// ElectionSummary names an election for a device.
type ElectionSummary struct {
	ID        string     `json:"id"`
	Name      iltod.Text `json:"name"`
	Date      string     `json:"date"`
	Languages []string   `json:"languages"`
}

// DeviceSettings are the tolerances the server's QA applies to a device's reports.
type DeviceSettings struct {
	// GeofenceMetres is how far from its station's coordinates a report may be made.
	GeofenceMetres int `json:"geofence_m"`
	// ClockSkewSeconds is how far the device's clock may be from the server's.
	ClockSkewSeconds int `json:"clock_skew_s"`
}

// DeviceStation is a station a device may report for, with its forms.
type DeviceStation struct {
	Code       string       `json:"code"`
	Name       iltod.Text   `json:"name"`
	Area       string       `json:"area"`
	Location   *iltod.Point `json:"location,omitempty"`
	Registered int          `json:"registered"`
	Forms      []DeviceForm `json:"forms"`
}

// DeviceForm is the latest version of a form as it applies at one station: its
// questions expanded (qa.Expand) and the checks a phone can run (qa.Sheet.PhoneChecks).
type DeviceForm struct {
	Code      string           `json:"code"`
	Version   int              `json:"version"`
	Kind      iltod.FormKind   `json:"kind"`
	Name      iltod.Text       `json:"name"`
	Questions []DeviceQuestion `json:"questions"`
	Checks    []qa.PhoneCheck  `json:"checks"`
}

// DeviceQuestion is one concrete question of a DeviceForm. A question asked once per
// choice appears once per choice (K1, K2 …), its label naming the choice (qa.ItemLabel).
type DeviceQuestion struct {
	Tag           string             `json:"tag"`
	Label         iltod.Text         `json:"label"`
	Type          iltod.QuestionType `json:"type"`
	Required      bool               `json:"required"`
	Min           *int64             `json:"min,omitempty"`
	Max           *int64             `json:"max,omitempty"`
	Options       []iltod.Option     `json:"options,omitempty"`
	NotApplicable bool               `json:"not_applicable"`
}

// The states of a device's report, as DeviceReportStatus gives them, from the strongest.
const (
	// StateUnknown: no report of the asking device has this id.
	StateUnknown = "unknown"
	// StateRejected and StateQuarantined: a reviewer set the report aside.
	StateRejected    = "rejected"
	StateQuarantined = "quarantined"
	// StateConflict: the station record disagrees on a field the report answered.
	StateConflict = "conflict"
	// StateFlagged: a QA check failed.
	StateFlagged = "flagged"
	// StateLogged: a published checkpoint of the log covers the report.
	StateLogged = "logged"
	// StateAccepted: stored, with a promise of the log, and nothing else to say yet.
	StateAccepted = "accepted"
)

// ReportStatus is the state of one of a device's reports.
type ReportStatus struct {
	ID string `json:"id"`
	// State is one of the State constants: the strongest that applies.
	State string `json:"state"`
	// The fields below are set only for a report of the asking device.
	Seq uint64 `json:"seq,omitempty"`
	// Logged is true when a published checkpoint covers the report, whatever the State:
	// its full receipt can then be fetched.
	Logged  bool                `json:"logged"`
	Flagged bool                `json:"flagged"`
	Checks  []iltod.CheckResult `json:"checks,omitempty"`
	Review  iltod.ReviewStatus  `json:"review,omitempty"`
	// Conflicts are the tags this report answered on which its station record is in
	// conflict, sorted.
	Conflicts []string `json:"conflicts,omitempty"`
}

// observationSettings returns the election's geofence and clock tolerance for devices.
//
// observationSettings returns the election's tolerances for the geofence and the
// device clock, with their defaults when the package sets none.
func observationSettings(e iltod.Election) DeviceSettings {
	return DeviceSettings{GeofenceMetres: e.GeofenceMetres(), ClockSkewSeconds: int(e.ClockSkew() / time.Second)}
}

// deviceRequest authenticates a device request (see iltod.DeviceRequest) whose op must
// be op, and returns the device, its election's reference data, its observer and the
// request. The device key is the authentication: EUnknownKey, ERevokedKey, EBadSignature
// as for a report; EInvalid for a request that is not one, or of another op.
func (a *App) deviceRequest(ctx context.Context, raw []byte, op string) (iltod.Device, *election, *iltod.Observer, iltod.DeviceRequest, error) {
	env, dev, err := a.signedBy(ctx, raw, (*iltod.Envelope).VerifyRequest)
	if err != nil {
		return dev, nil, nil, iltod.DeviceRequest{}, err
	}
	req, err := env.Request()
	if err != nil {
		return dev, nil, nil, req, err
	}
	if req.Op != op {
		return dev, nil, nil, req, iltod.E(iltod.EInvalid, "error.device.wrong_op", locales.Args{"Op": req.Op, "Want": op})
	}
	el, err := a.election(ctx, dev.Election)
	if err != nil {
		return dev, nil, nil, req, err
	}
	obs, ok := el.observers[dev.Observer]
	if !ok {
		return dev, nil, nil, req, iltod.E(iltod.EForbidden, "error.app.observer_gone", nil)
	}
	return dev, el, obs, req, nil
}

// DeviceAssignment answers a signed assignment request (op "assignment"): the stations
// the device's observer may report for — those assigned, and for a supervisor those of
// the observers supervised, as intake allows — in order of code, each with the
// latest version of every form expanded for the station, and the election's summary and
// settings. The signature is the authentication (see deviceRequest for the errors); no
// actor is needed.
func (a *App) DeviceAssignment(ctx context.Context, raw []byte) (Assignment, error) {
	dev, el, obs, _, err := a.deviceRequest(ctx, raw, iltod.RequestAssignment)
	if err != nil {
		return Assignment{}, err
	}
	contests := make(map[string]*iltod.Contest, len(el.contests))
	for i := range el.contests {
		contests[el.contests[i].Code] = &el.contests[i]
	}
	langs := el.e.Languages
	out := Assignment{
		ServerTime: a.now().UTC().Truncate(time.Second),
		Device:     dev,
		Election:   ElectionSummary{ID: el.e.ID, Name: el.e.Name, Date: el.e.Date, Languages: langs},
		Settings:   observationSettings(el.e),
		Stations:   []DeviceStation{},
	}
	for _, code := range el.stationOrder {
		if !el.mayReport(obs, code) {
			continue
		}
		st := el.stations[code]
		ds := DeviceStation{Code: st.Code, Name: st.Name, Area: st.Area, Location: st.Location, Registered: st.Registered,
			Forms: []DeviceForm{}}
		for _, fc := range el.formCodes() {
			f, _ := el.latestForm(fc)
			sheet, err := el.sheet(f, st)
			if err != nil {
				return Assignment{}, err
			}
			df := DeviceForm{Code: f.Code, Version: f.Version, Kind: f.Kind, Name: f.Name,
				Questions: make([]DeviceQuestion, len(sheet.Questions)), Checks: sheet.PhoneChecks()}
			if df.Checks == nil {
				df.Checks = []qa.PhoneCheck{}
			}
			for i, it := range sheet.Questions {
				q := it.Question
				df.Questions[i] = DeviceQuestion{Tag: it.Tag, Label: qa.ItemLabel(it, contests[it.Contest], langs...),
					Type: q.Type, Required: q.Required, Min: q.Min, Max: q.Max, Options: q.Options, NotApplicable: q.NotApplicable}
			}
			ds.Forms = append(ds.Forms, df)
		}
		out.Stations = append(out.Stations, ds)
	}
	return out, nil
}

// DeviceReportStatus answers a signed status request (op "status"): the state of each
// report id asked, in order. Only the asking device's own reports are told about; any
// other id, stored or not, is StateUnknown, so that a device learns nothing of others'
// reports. The state is the strongest that applies: rejected or quarantined by a
// reviewer, then in conflict in the station record, then flagged by QA, then logged
// (a published checkpoint covers it, as ReceiptProof decides), else accepted. The
// signature is the authentication (see deviceRequest for the errors); no actor is needed.
func (a *App) DeviceReportStatus(ctx context.Context, raw []byte) ([]ReportStatus, error) {
	dev, _, _, req, err := a.deviceRequest(ctx, raw, iltod.RequestStatus)
	if err != nil {
		return nil, err
	}
	out := make([]ReportStatus, len(req.IDs))
	subs := make([]*iltod.Submission, len(req.IDs))
	indexes := make([]*uint64, len(req.IDs))
	type recKey struct{ station, form string }
	records := map[recKey]iltod.StationRecord{}
	for i, id := range req.IDs {
		out[i] = ReportStatus{ID: id, State: StateUnknown}
		s, err := a.store.Submission(ctx, dev.Election, id)
		if iltod.ErrorCodeOf(err) == iltod.ENotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		if s.DeviceKey != dev.KeyID {
			continue
		}
		subs[i] = &s
		if a.tlog != nil { // without a log nothing is logged
			if indexes[i], err = a.logIndex(ctx, s); err != nil {
				return nil, err
			}
		}
		k := recKey{s.Report.Station, s.Report.Form}
		if _, ok := records[k]; !ok {
			if records[k], err = a.stationRecord(ctx, dev.Election, k.station, k.form); err != nil {
				return nil, err
			}
		}
	}
	covered, err := a.coveredBelow(ctx, indexes)
	if err != nil {
		return nil, err
	}
	for i, s := range subs {
		if s == nil {
			continue
		}
		st := &out[i]
		st.Seq, st.Flagged, st.Checks, st.Review = s.Seq, iltod.Flagged(s.Checks), s.Checks, s.Status
		st.Logged = indexes[i] != nil && *indexes[i] < covered
		for _, tag := range records[recKey{s.Report.Station, s.Report.Form}].Conflicts {
			if _, answered := s.Report.Answers[tag]; answered {
				st.Conflicts = append(st.Conflicts, tag)
			}
		}
		switch {
		case s.Status == iltod.Rejected:
			st.State = StateRejected
		case s.Status == iltod.Quarantined:
			st.State = StateQuarantined
		case len(st.Conflicts) > 0:
			st.State = StateConflict
		case st.Flagged:
			st.State = StateFlagged
		case st.Logged:
			st.State = StateLogged
		default:
			st.State = StateAccepted
		}
	}
	return out, nil
}

// logIndex returns the log index of a stored submission's acceptance event, or nil while
// the sequencer has not appended it.
func (a *App) logIndex(ctx context.Context, s iltod.Submission) (*uint64, error) {
	ev, err := a.store.Event(ctx, s.Seq)
	if err != nil {
		return nil, err
	}
	return ev.LogIndex, nil
}

// coveredBelow returns n such that the log's published checkpoint covers every index
// below n and none at or above it, among the indexes given (nil ones are ignored); 0
// when the app keeps no log. It asks the log for proofs as ReceiptProof does, by
// bisection: a checkpoint that covers an index covers every smaller one.
func (a *App) coveredBelow(ctx context.Context, indexes []*uint64) (uint64, error) {
	if a.tlog == nil {
		return 0, nil
	}
	var idx []uint64
	for _, p := range indexes {
		if p != nil {
			idx = append(idx, *p)
		}
	}
	if len(idx) == 0 {
		return 0, nil
	}
	slices.Sort(idx)
	idx = slices.Compact(idx)
	var failure error
	first := sort.Search(len(idx), func(i int) bool { // the first index not covered
		if failure != nil {
			return true
		}
		_, err := a.tlog.Proof(ctx, idx[i])
		if err != nil && iltod.ErrorCodeOf(err) != iltod.ENotFound {
			failure = err
		}
		return err != nil
	})
	if failure != nil {
		return 0, failure
	}
	if first == len(idx) {
		return idx[len(idx)-1] + 1, nil
	}
	return idx[first], nil
}
