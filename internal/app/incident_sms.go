package app

import (
	"context"
	"errors"
	"strings"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/sms"
)

// incidentSMS reports whether text is an incident message (sms.IsIncident) in el: no
// form of el has the incident keyword as its SMS prefix, which would take precedence.
func (el *election) incidentSMS(text string) bool {
	if !sms.IsIncident(text) {
		return false
	}
	for _, code := range el.formCodes() {
		if f, ok := el.latestForm(code); ok && f.SMSPrefix == sms.IncidentKeyword {
			return false
		}
	}
	return true
}

// receiveIncident stores an incident message from obs, whom ReceiveMessage identified,
// with source observer: its category and severity by the taxonomy's short codes, its
// place the observer's station (or the one named after '#'), its time the message's
// arrival, its narrative the text as typed. The reply, in the observer's language, gives
// the incident's short reference (the first 8 characters of its id, upper case) or says
// what is wrong; the exchange is kept in the message log, naming "incident/ID".
func (a *App) receiveIncident(ctx context.Context, el *election, in InboundMessage, address string, obs *iltod.Observer, reply func(string, iltod.Message) Reply) (Reply, error) {
	lang := el.langOf(obs)
	refuse := func(m iltod.Message) (Reply, error) {
		r := reply(lang, m)
		return r, a.logExchange(ctx, el, in, address, obs.Code, "", msgRefused, r)
	}
	tax, err := a.Taxonomy(ctx, el.e.ID)
	if err != nil {
		return Reply{}, err
	}
	codes := strings.Join(tax.ShortCodes(), " ")
	msg, err := sms.ParseIncident(in.Text, func(s string) bool { _, ok := tax.SeverityByShort(s); return ok })
	var pe *sms.ParseError
	switch {
	case errors.As(err, &pe) && pe.Reason == sms.NoCategory:
		return refuse(iltod.Msg("observe.sms.incident.no_category", iltod.Lits("Codes", codes)))
	case errors.As(err, &pe) && pe.Reason == sms.NoText:
		return refuse(iltod.Msg("observe.sms.incident.no_text", nil))
	case err != nil:
		return refuse(el.parseProblem(err, sms.IncidentKeyword))
	}
	cat, ok := tax.CategoryByShort(msg.Category)
	if !ok {
		return refuse(iltod.Msg("observe.sms.incident.unknown_category", iltod.Lits("Code", msg.Category, "Codes", codes)))
	}
	sev := tax.DefaultSeverity()
	if msg.Severity != "" {
		sev, _ = tax.SeverityByShort(msg.Severity)
	}
	st, problem := el.stationFor(obs, sms.Message{Station: msg.Station})
	if problem.Key != "" {
		return refuse(problem)
	}
	inc, err := a.ReportIncident(SystemContext(ctx), IncidentReport{
		Election: el.e.ID, Category: cat.Code, Severity: sev.Code, Start: in.Received.Truncate(1e9),
		Place: iltod.Place{Station: st.Code}, Narrative: msg.Text, Source: iltod.SourceObserver, Observer: obs.Code})
	if err != nil {
		if c := iltod.ErrorCodeOf(err); c == iltod.EInternal || c == iltod.EUnavailable {
			return Reply{}, err // the gateway answers 5xx and delivers the message again
		}
		return refuse(iltod.Msg("observe.sms.refused", iltod.Lits("Reason", iltod.ErrorMessageIn(err, lang))))
	}
	r := reply(lang, iltod.Msg("observe.sms.incident.ok", iltod.Lits("Ref", strings.ToUpper(inc.ID[:8]),
		"Category", cat.Label.In(lang, el.e.Languages...))))
	return r, a.logExchange(ctx, el, in, address, obs.Code, iltod.IncidentSubject(inc.ID), msgAccepted, r)
}
