package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/canonjson"
	"github.com/iltod/iltod/locales"
)

// AttestedReport is a report that reached the server by a channel the server vouches
// for: a clerk's entry, a coded SMS, an OpenRosa submission. The channel has already
// authenticated the observer (a clerk's word, a registered phone number, Digest
// credentials); the report carries no signature of its own.
type AttestedReport struct {
	Channel iltod.Channel
	// Observer is the code of the observer the channel authenticated.
	Observer string
	// Report is what the observer reported. Its ID makes the submission idempotent, as a
	// device's report id does; "" draws a new one with the channel as prefix. FormVersion
	// 0 means the form's latest version. DeviceTime "" means the time received, or, for
	// an ID already accepted from the same observer and channel, that first report's time.
	Report iltod.Report
	// Attestation is what the channel says about how the report came, written into the
	// envelope beside the report: {"channel": Channel, …Attestation}. It MUST NOT name
	// the observer, a phone number or an account: the envelope may be published.
	Attestation map[string]any
}

// SubmitAttested checks an attested report as a device's report is checked (the
// observer's station, the form, every answer, QA), stores it and commits it to the log.
// Its envelope, the bytes the log commits to, is the canonical JSON {"attestation": {...},
// "report": ...}. It returns the receipt, with Duplicate set when the same report was
// already accepted; a report id already used for other content is EConflict. Who may
// call it is the caller's concern: the channel authorises, then calls this.
func (a *App) SubmitAttested(ctx context.Context, in AttestedReport) (*Receipt, error) {
	r := in.Report
	el, err := a.election(ctx, r.Election)
	if err != nil {
		return nil, err
	}
	obs, ok := el.observers[in.Observer]
	if !ok {
		return nil, iltod.E(iltod.ENotFound, "error.app.no_observer", locales.Args{"Election": r.Election, "Observer": in.Observer})
	}
	st, ok := el.stations[r.Station]
	if !ok {
		return nil, errNoStation(r.Election, r.Station)
	}
	if !el.mayReport(obs, st.Code) {
		return nil, errNotAssigned(obs.Code, st.Code)
	}
	var f *iltod.Form
	if r.FormVersion == 0 {
		f, ok = el.latestForm(r.Form)
	} else {
		f, ok = el.forms[formKey{r.Form, r.FormVersion}]
	}
	if !ok {
		return nil, errNoForm(r.Election, r.Form)
	}
	r.Form, r.FormVersion = f.Code, f.Version
	sheet, err := el.sheet(f, st)
	if err != nil {
		return nil, err
	}
	if ps := sheet.ValidateAnswers(r.Answers); len(ps) > 0 {
		return nil, ps
	}
	now := a.now().UTC()
	if r.DeviceTime == "" && r.ID != "" {
		// A resend of a report the caller named (a clerk's form sent again) gets the
		// first acceptance's time, so that it has the same content and is a duplicate,
		// not a conflict, whenever it comes.
		if prev, err := a.store.Submission(ctx, r.Election, r.ID); err == nil && prev.Observer == obs.Code && prev.Channel == in.Channel {
			r.DeviceTime = prev.Report.DeviceTime
		} else if err != nil && iltod.ErrorCodeOf(err) != iltod.ENotFound {
			return nil, err
		}
	}
	if r.DeviceTime == "" {
		r.DeviceTime = now.Format(time.RFC3339)
	} else if _, err := time.Parse(time.RFC3339, r.DeviceTime); err != nil {
		return nil, iltod.E(iltod.EInvalid, "error.app.device_time", locales.Args{"Time": r.DeviceTime})
	}
	if r.ID == "" {
		b := make([]byte, 12)
		rand.Read(b)
		r.ID = string(in.Channel) + "-" + hex.EncodeToString(b)
	}
	if !iltod.ValidReportID(r.ID) {
		return nil, iltod.E(iltod.EInvalid, "error.report_id", locales.Args{"ID": r.ID})
	}
	att := map[string]any{"channel": string(in.Channel)}
	for k, v := range in.Attestation {
		if k != "channel" {
			att[k] = v
		}
	}
	env, err := canonjson.Marshal(map[string]any{"attestation": att, "report": r})
	if err != nil {
		return nil, err
	}
	sub := iltod.Submission{Report: r, Observer: obs.Code, Channel: in.Channel, Envelope: env,
		EnvelopeHash: sha256.Sum256(env), Received: now, Checks: sheet.Check(r.Answers), Status: iltod.Unreviewed}
	results, promises, err := a.commit(ctx, []iltod.Submission{sub}, nil)
	if err != nil {
		return nil, err
	}
	res := results[0]
	if res.Outcome == iltod.Conflicting {
		return nil, iltod.E(iltod.EConflict, "error.app.entered_twice", locales.Args{"ID": r.ID})
	}
	if res.Outcome == iltod.Accepted {
		a.dropInputs(r.Election)
	}
	return a.receipt(res.Stored, res.Outcome == iltod.Duplicate, promises[0])
}
