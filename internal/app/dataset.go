package app

import (
	"context"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
	"github.com/iltod/iltod/tlog"
)

// PublicEnvelopes returns what the public dataset of an election says of every report
// the store accepted for it, in Seq order: the report's envelope, or, when the envelope
// carries testimony, only that it is withheld (tlog.WithheldTestimony). It is the single
// place where iltod decides which envelopes are published; `iltod export dataset` and
// the envelopes download both take their lines from here, never from the submissions.
//
// An envelope is withheld when the report's form — the version the report was filed
// on — is an incident form (incident reports describe people and events), or has a
// question of type text whose answer in the report is not empty. Every other envelope
// is published as the exact bytes the server stored: it names no observer (the device's
// key is a pseudonym only the store can link to a person). The log commits to withheld
// envelopes all the same, so the organisation can show one to a partner privately, who
// checks it against its leaf.
//
// PublicEnvelopes is public: it needs no actor. It returns ENotFound for an unknown
// election, and an internal error if a report names a form version the election does
// not have.
func (a *App) PublicEnvelopes(ctx context.Context, election string) ([]tlog.DatasetEnvelope, error) {
	if _, err := a.store.Election(ctx, election); err != nil {
		return nil, err
	}
	forms, err := a.store.Forms(ctx, election)
	if err != nil {
		return nil, err
	}
	byKey := make(map[formKey]*iltod.Form, len(forms))
	for i := range forms {
		byKey[formKey{forms[i].Code, forms[i].Version}] = &forms[i]
	}
	var out []tlog.DatasetEnvelope
	q := iltod.SubmissionQuery{Limit: iltod.MaxSubmissionLimit}
	for {
		page, err := a.store.Submissions(ctx, election, q)
		if err != nil {
			return nil, err
		}
		for i := range page {
			s := &page[i]
			f, ok := byKey[formKey{s.Report.Form, s.Report.FormVersion}]
			if !ok {
				return nil, iltod.E(iltod.EInternal, "error.app.report_form_missing", locales.Args{
					"ID": s.Report.ID, "Election": election, "Form": s.Report.Form, "Version": s.Report.FormVersion})
			}
			if carriesTestimony(f, s.Report.Answers) {
				out = append(out, tlog.DatasetEnvelope{Seq: s.Seq, Withheld: tlog.WithheldTestimony})
			} else {
				out = append(out, tlog.DatasetEnvelope{Seq: s.Seq, Envelope: s.Envelope})
			}
		}
		if len(page) < q.Limit {
			return out, nil
		}
		q.AfterSeq = page[len(page)-1].Seq
	}
}

// carriesTestimony reports whether a report on form f with the given answers carries
// testimony: f is an incident form, or a text question of f has an answer that is not
// empty. An answer to a text question that is neither "not applicable" nor the empty
// string counts as testimony, whatever its kind.
func carriesTestimony(f *iltod.Form, answers map[string]iltod.Value) bool {
	if f.Kind == iltod.Incident {
		return true
	}
	for i := range f.Questions {
		q := &f.Questions[i]
		if q.Type != iltod.TextAnswer {
			continue
		}
		v, ok := answers[q.Tag]
		if ok && v.Kind != iltod.NA && !(v.Kind == iltod.Str && v.Str == "") {
			return true
		}
	}
	return false
}
