package app

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/qa"
	"github.com/iltod/iltod/internal/sms"
)

// InboundMessage is a message that reached a gateway: a coded SMS, or a WhatsApp or
// Telegram message.
type InboundMessage struct {
	// Transport is "sms", "whatsapp" or "telegram".
	Transport string
	// From is the sender: an E.164 number, or "telegram:<chat id>".
	From string
	Text string
	// Gateway is the gateway that carried the message: "twilio", "telerivet", "smssync",
	// "hmac", "telegram" or "cli".
	Gateway string
	// GatewayID is the provider's id of the message, which makes a redelivery one message;
	// "" if the provider gives none.
	GatewayID string
	// Received is when the gateway received the message; the zero time means now.
	Received time.Time
}

// Reply is the answer to an InboundMessage: Text, in the language Lang, to send to To.
// Text fits one SMS segment (sms.Fit).
type Reply struct {
	To, Text, Lang string
}

// DuplicateWindow is how long the same text from the same observer is one report.
const DuplicateWindow = 10 * time.Minute

// DefaultLinkTTL is how long a messenger link code stays valid.
const DefaultLinkTTL = 7 * 24 * time.Hour

// Statuses of incoming channel messages (iltod.ChannelMessage.Status).
const (
	msgAccepted  = "accepted"
	msgDuplicate = "duplicate"
	msgRefused   = "refused"
	msgLinked    = "linked"
	msgReply     = "reply"
)

// ReceiveMessage runs one inbound message through the SMS pipeline: it identifies the
// observer (by phone number, or by a linked messenger account, and by PIN on a shared
// phone), parses the coded text (docs/sms.md), maps it onto the form named by its prefix
// at the observer's station, submits it through SubmitAttested on the sms channel, and
// returns the reply in the observer's language: what was wrong or missing, or a short
// receipt code (the first 8 hexadecimal digits of the envelope's SHA-256). A message
// whose text, from the same observer, arrived within DuplicateWindow with a report, or
// whose gateway id was seen before, makes no second report and gets the same reply.
// "LINK <code>" from a messenger account links it with a code from IssueLinkCode.
//
// Every message from or to a known observer is kept in the message log; a message from
// an unknown sender is answered and not kept. The caller authenticates the gateway;
// ReceiveMessage needs no actor. It returns an error only when the election does not
// exist (ENotFound) or the store fails; a bad message is a Reply.
func (a *App) ReceiveMessage(ctx context.Context, election string, in InboundMessage) (Reply, error) {
	el, err := a.election(ctx, election)
	if err != nil {
		return Reply{}, err
	}
	if in.Received.IsZero() {
		in.Received = a.now()
	}
	in.Received = in.Received.UTC()
	first := el.e.Languages[0]
	reply := func(lang string, m iltod.Message) Reply {
		return Reply{To: in.From, Text: sms.Fit(strings.TrimSpace(m.In(lang))), Lang: lang}
	}
	address := in.From
	if in.Transport != "" && in.Transport != "sms" && !strings.Contains(address, ":") {
		address = in.Transport + ":" + address
	}
	if code, ok := linkCommand(in.Text); ok && in.Transport != "sms" {
		return a.claimLink(ctx, el, in, address, code, reply)
	}
	// A WhatsApp sender may come as "whatsapp:+976…", as Twilio writes it.
	candidates := el.byPhone[strings.TrimPrefix(in.From, "whatsapp:")]
	if len(candidates) == 0 && in.Transport != "" && in.Transport != "sms" {
		if obs, err := a.store.LinkedObserver(ctx, election, address); err == nil {
			candidates = []string{obs}
		} else if iltod.ErrorCodeOf(err) != iltod.ENotFound {
			return Reply{}, err
		}
	}
	if len(candidates) == 0 {
		return reply(first, iltod.Msg("observe.sms.unknown_number", nil)), nil
	}
	lang := el.langOf(el.observers[candidates[0]])
	msg, err := sms.Parse(in.Text)
	if err != nil {
		r := reply(lang, el.parseProblem(err, ""))
		return r, a.logExchange(ctx, el, in, address, candidates[0], "", msgRefused, r)
	}
	obs, problem := el.identify(candidates, msg)
	if problem.Key != "" {
		// The code or PIN did not match: the message is kept under the phone's first
		// observer, whom the number names.
		r := reply(lang, problem)
		return r, a.logExchange(ctx, el, in, address, candidates[0], "", msgRefused, r)
	}
	lang = el.langOf(obs)
	if prev, ok, err := a.duplicateOf(ctx, el, obs.Code, in); err != nil {
		return Reply{}, err
	} else if ok {
		r := Reply{To: in.From, Text: prev.Text, Lang: lang}
		return r, a.logExchange(ctx, el, in, address, obs.Code, prev.Report, msgDuplicate, r)
	}
	if el.incidentSMS(in.Text) {
		return a.receiveIncident(ctx, el, in, address, obs, reply)
	}
	report, problem := el.buildReport(obs, msg)
	if problem.Key != "" {
		r := reply(lang, problem)
		return r, a.logExchange(ctx, el, in, address, obs.Code, "", msgRefused, r)
	}
	report.DeviceTime = in.Received.Truncate(time.Second).Format(time.RFC3339)
	att := map[string]any{"gateway": in.Gateway}
	if in.Transport != "" && in.Transport != "sms" {
		att["transport"] = in.Transport
	}
	rc, err := a.SubmitAttested(ctx, AttestedReport{Channel: iltod.ChannelSMS, Observer: obs.Code, Report: report, Attestation: att})
	if err != nil {
		if c := iltod.ErrorCodeOf(err); c == iltod.EInternal || c == iltod.EUnavailable {
			return Reply{}, err // the gateway answers 5xx and delivers the message again
		}
		var ps iltod.Problems
		why := iltod.ErrorMessageIn(err, lang)
		if errors.As(err, &ps) && len(ps) > 0 {
			why = ps[0].In(lang)
		}
		r := reply(lang, iltod.Msg("observe.sms.refused", iltod.Lits("Reason", why)))
		return r, a.logExchange(ctx, el, in, address, obs.Code, "", msgRefused, r)
	}
	code := strings.ToUpper(rc.Hash[:8])
	m := iltod.Msg("observe.sms.ok", iltod.Lits("Prefix", msg.Prefix, "Receipt", code))
	if rc.Flagged {
		var failed []string
		for _, c := range rc.Checks {
			if c.Outcome == iltod.CheckFail {
				failed = append(failed, c.Code)
			}
		}
		m = iltod.Msg("observe.sms.ok_flagged", iltod.Lits("Prefix", msg.Prefix, "Receipt", code, "Checks", strings.Join(failed, ", ")))
	}
	r := reply(lang, m)
	return r, a.logExchange(ctx, el, in, address, obs.Code, rc.ID, msgAccepted, r)
}

// langOf returns the language of o's replies.
func (el *election) langOf(o *iltod.Observer) string {
	if o != nil && o.Lang != "" && slices.Contains(el.e.Languages, o.Lang) {
		return o.Lang
	}
	return el.e.Languages[0]
}

// smsPrefixes returns the SMS prefixes of the election's latest forms, sorted.
func (el *election) smsPrefixes() string {
	var ps []string
	for _, code := range el.formCodes() {
		if f, ok := el.latestForm(code); ok && f.SMSPrefix != "" && !slices.Contains(ps, f.SMSPrefix) {
			ps = append(ps, f.SMSPrefix)
		}
	}
	slices.Sort(ps)
	return strings.Join(ps, ", ")
}

// parseProblem returns the reply to a message that sms.Parse or Fields refused.
func (el *election) parseProblem(err error, prefix string) iltod.Message {
	var pe *sms.ParseError
	if !errors.As(err, &pe) {
		return iltod.Msg("observe.sms.too_long", nil)
	}
	switch pe.Reason {
	case sms.NoPrefix:
		return iltod.Msg("observe.sms.no_prefix", iltod.Lits("Prefixes", el.smsPrefixes()))
	case sms.NoObserver:
		return iltod.Msg("observe.sms.no_observer", nil)
	case sms.UnknownTag:
		return iltod.Msg("observe.sms.unknown_tag", iltod.Lits("Tag", pe.Token, "Prefix", prefix))
	case sms.NoValue:
		return iltod.Msg("observe.sms.no_value", iltod.Lits("Tag", pe.Token))
	case sms.TagTwice:
		return iltod.Msg("observe.sms.twice", iltod.Lits("Tag", pe.Token))
	case sms.BadStation:
		return iltod.Msg("observe.sms.station_needed", iltod.Lits("Stations", "#…"))
	}
	return iltod.Msg("observe.sms.too_long", nil)
}

// identify returns the observer among candidates (the observers of the sender's number
// or account) whom msg names, or the reply saying why none.
func (el *election) identify(candidates []string, msg sms.Message) (*iltod.Observer, iltod.Message) {
	if !slices.Contains(candidates, msg.Observer) {
		return nil, iltod.Msg("observe.sms.wrong_observer", iltod.Lits("Code", msg.Observer))
	}
	obs := el.observers[msg.Observer]
	switch {
	case len(candidates) > 1 && msg.PIN == "":
		return nil, iltod.Msg("observe.sms.pin_needed", nil)
	case msg.PIN != "" && msg.PIN != obs.PIN, len(candidates) > 1 && obs.PIN == "":
		return nil, iltod.Msg("observe.sms.bad_pin", nil)
	}
	return obs, iltod.Message{}
}

// duplicateOf returns the reply given to an earlier message that in repeats: one from the
// same observer with the same gateway id, or with the same text within DuplicateWindow,
// that made a report.
func (a *App) duplicateOf(ctx context.Context, el *election, observer string, in InboundMessage) (iltod.ChannelMessage, bool, error) {
	since := in.Received.Add(-24 * time.Hour)
	log, err := a.store.ChannelMessages(ctx, el.e.ID, iltod.ChannelMessageQuery{Observer: observer, Since: since, Limit: iltod.MaxMessageLimit})
	if err != nil {
		return iltod.ChannelMessage{}, false, err
	}
	text := canonicalText(in.Text)
	for i := len(log) - 1; i >= 0; i-- {
		m := log[i]
		if m.Direction != iltod.MessageIn || m.Report == "" {
			continue
		}
		same := in.GatewayID != "" && m.Gateway == in.Gateway && m.GatewayID == in.GatewayID
		if !same && canonicalText(m.Text) == text && in.Received.Sub(m.At) <= DuplicateWindow && m.At.Sub(in.Received) <= DuplicateWindow {
			same = true
		}
		if !same {
			continue
		}
		for _, out := range log[i+1:] {
			if out.Direction == iltod.MessageOut && out.Report == m.Report {
				return out, true, nil
			}
		}
	}
	return iltod.ChannelMessage{}, false, nil
}

// canonicalText is a message's text as the parser reads it, for comparing resent texts.
func canonicalText(s string) string {
	return strings.Join(strings.FieldsFunc(sms.Normalize(s), func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	}), " ")
}

// logExchange keeps the message in and the reply out in the message log.
func (a *App) logExchange(ctx context.Context, el *election, in InboundMessage, address, observer, report, status string, r Reply) error {
	transport := in.Transport
	if transport == "" {
		transport = "sms"
	}
	m := iltod.ChannelMessage{Election: el.e.ID, Observer: observer, Direction: iltod.MessageIn, Transport: transport,
		Gateway: in.Gateway, GatewayID: in.GatewayID, Address: address, Text: in.Text, Report: report, At: in.Received, Status: status}
	if _, err := a.store.AddChannelMessage(ctx, m); err != nil {
		return err
	}
	m.Direction, m.GatewayID, m.Text, m.At, m.Status = iltod.MessageOut, "", r.Text, a.now().UTC(), msgReply
	if m.At.Before(in.Received) {
		m.At = in.Received
	}
	_, err := a.store.AddChannelMessage(ctx, m)
	return err
}

// stationFor returns the station msg reports on: the one the observer may report from,
// or the one named after '#' (its code, or the digits its code ends with).
func (el *election) stationFor(obs *iltod.Observer, msg sms.Message) (*iltod.Station, iltod.Message) {
	mine := slices.Clone(obs.Stations)
	for s := range el.supervised[obs.Code] {
		if !slices.Contains(mine, s) {
			mine = append(mine, s)
		}
	}
	slices.Sort(mine)
	list := func() string {
		var b []string
		for _, s := range mine {
			b = append(b, "#"+stationSuffix(s))
		}
		return strings.Join(b, " ")
	}
	if msg.Station == "" {
		if len(mine) == 1 {
			return el.stations[mine[0]], iltod.Message{}
		}
		return nil, iltod.Msg("observe.sms.station_needed", iltod.Lits("Stations", list()))
	}
	var match []string
	for _, s := range mine {
		if n := sms.Normalize(s); n == msg.Station || stationSuffix(n) == msg.Station {
			match = append(match, s)
		}
	}
	if len(match) != 1 {
		return nil, iltod.Msg("observe.sms.unknown_station", iltod.Lits("Station", msg.Station, "Stations", list()))
	}
	return el.stations[match[0]], iltod.Message{}
}

// stationSuffix returns the digits a station code ends with ("17" of "DD-01.17"), or the
// code itself if it does not end with a digit.
func stationSuffix(code string) string {
	i := len(code)
	for i > 0 && code[i-1] >= '0' && code[i-1] <= '9' {
		i--
	}
	if i == len(code) {
		return code
	}
	return strings.TrimLeft(code[i:], "0")
}

// buildReport maps msg onto its form at the observer's station, or returns the reply
// saying what is wrong or missing.
func (el *election) buildReport(obs *iltod.Observer, msg sms.Message) (iltod.Report, iltod.Message) {
	var f *iltod.Form
	for _, code := range el.formCodes() {
		if lf, ok := el.latestForm(code); ok && lf.SMSPrefix == msg.Prefix {
			f = lf
		}
	}
	if f == nil {
		return iltod.Report{}, iltod.Msg("observe.sms.unknown_form", iltod.Lits("Prefix", msg.Prefix, "Prefixes", el.smsPrefixes()))
	}
	st, problem := el.stationFor(obs, msg)
	if problem.Key != "" {
		return iltod.Report{}, problem
	}
	sheet, err := el.sheet(f, st)
	if err != nil {
		return iltod.Report{}, iltod.Msg("observe.sms.refused", iltod.Lits("Reason", err.Error()))
	}
	var tags []string
	multi := map[string]bool{}
	var textTag string
	for _, it := range sheet.Questions {
		switch it.Question.Type {
		case iltod.Photo:
			continue
		case iltod.TextAnswer:
			if textTag == "" {
				textTag = it.Tag
			}
			continue
		case iltod.SelectMultiple:
			multi[it.Tag] = true
		}
		tags = append(tags, it.Tag)
	}
	fields, err := msg.Fields(tags, multi)
	if err != nil {
		return iltod.Report{}, el.parseProblem(err, msg.Prefix)
	}
	answers := map[string]iltod.Value{}
	for _, fl := range fields {
		it, _ := sheet.Item(fl.Tag)
		v, problem := answer(it, fl)
		if problem.Key != "" {
			return iltod.Report{}, problem
		}
		answers[fl.Tag] = v
	}
	if textTag != "" && msg.Comment != "" {
		answers[textTag] = iltod.StrValue(msg.Comment)
	}
	var missing []string
	for _, it := range sheet.Questions {
		if _, ok := answers[it.Tag]; !ok && it.Question.Required {
			missing = append(missing, it.Tag)
		}
	}
	if len(missing) > 0 {
		return iltod.Report{}, iltod.Msg("observe.sms.missing", iltod.Lits("Tags", strings.Join(missing, " ")))
	}
	return iltod.Report{Election: el.e.ID, Station: st.Code, Form: f.Code, FormVersion: f.Version, Answers: answers}, iltod.Message{}
}

// answer reads one field's value as its question's type, or returns the reply saying
// why it cannot.
func answer(it qa.Item, fl sms.Field) (iltod.Value, iltod.Message) {
	q := it.Question
	bad := func(key string, more ...any) iltod.Message {
		return iltod.Msg(key, iltod.Lits(append([]any{"Tag", fl.Tag, "Value", fl.Value}, more...)...))
	}
	if fl.Value == sms.NotApplicable {
		if !q.NotApplicable {
			return iltod.Value{}, iltod.Msg("observe.sms.not_applicable", iltod.Lits("Tag", fl.Tag))
		}
		return iltod.Value{}, iltod.Message{}
	}
	switch q.Type {
	case iltod.Integer:
		n, ok := sms.Number(fl.Value)
		if !ok {
			return iltod.Value{}, bad("observe.sms.not_number")
		}
		unit := iltod.Lit("")
		if it.Count != "" {
			unit = iltod.Msg("observe.sms.unit."+string(it.Count), nil)
		}
		v := strconv.FormatInt(n, 10)
		if q.Max != nil && n > *q.Max {
			return iltod.Value{}, iltod.Msg("observe.sms.above_max", map[string]iltod.Message{"Tag": iltod.Lit(fl.Tag),
				"Value": iltod.Lit(v), "Max": iltod.Lit(strconv.FormatInt(*q.Max, 10)), "Unit": unit})
		}
		if q.Min != nil && n < *q.Min {
			return iltod.Value{}, iltod.Msg("observe.sms.below_min", map[string]iltod.Message{"Tag": iltod.Lit(fl.Tag),
				"Value": iltod.Lit(v), "Min": iltod.Lit(strconv.FormatInt(*q.Min, 10)), "Unit": unit})
		}
		return iltod.IntValue(n), iltod.Message{}
	case iltod.YesNo:
		yes, ok := sms.YesNo(fl.Value)
		if !ok {
			return iltod.Value{}, bad("observe.sms.not_yes_no")
		}
		return iltod.BoolValue(yes), iltod.Message{}
	case iltod.TimeOfDay:
		t, ok := sms.Time(fl.Value)
		if !ok {
			return iltod.Value{}, bad("observe.sms.not_time")
		}
		return iltod.StrValue(t), iltod.Message{}
	case iltod.SelectOne, iltod.SelectMultiple:
		var codes []string
		for _, o := range q.Options {
			codes = append(codes, o.Code)
		}
		pick := func(v string) (string, bool) {
			for _, c := range codes {
				if sms.Normalize(c) == v {
					return c, true
				}
			}
			return "", false
		}
		if q.Type == iltod.SelectOne {
			c, ok := pick(fl.Value)
			if !ok {
				return iltod.Value{}, bad("observe.sms.not_option", "Options", strings.Join(codes, " "))
			}
			return iltod.StrValue(c), iltod.Message{}
		}
		var list []string
		for _, v := range sms.List(fl.Value) {
			c, ok := pick(v)
			if !ok {
				return iltod.Value{}, iltod.Msg("observe.sms.not_option", iltod.Lits("Tag", fl.Tag, "Value", v, "Options", strings.Join(codes, " ")))
			}
			if !slices.Contains(list, c) {
				list = append(list, c)
			}
		}
		return iltod.ListValue(list), iltod.Message{}
	}
	return iltod.Value{}, iltod.Msg("observe.sms.unknown_tag", iltod.Lits("Tag", fl.Tag, "Prefix", ""))
}

// linkCommand returns the code of a "LINK <code>" message.
func linkCommand(text string) (string, bool) {
	f := strings.Fields(strings.ToUpper(strings.TrimSpace(text)))
	if len(f) < 2 || f[0] != "LINK" {
		return "", false
	}
	return strings.Join(f[1:], ""), true
}

func hashLinkCode(code string) [32]byte {
	return sha256.Sum256([]byte("iltod-messenger-link\n" + normalizeCode(code)))
}

// claimLink links the sender's messenger account with a link code.
func (a *App) claimLink(ctx context.Context, el *election, in InboundMessage, address, code string, reply func(string, iltod.Message) Reply) (Reply, error) {
	c, err := a.store.ClaimLinkCode(ctx, el.e.ID, hashLinkCode(code), address, in.Received)
	if err != nil {
		if c := iltod.ErrorCodeOf(err); c == iltod.ENotFound || c == iltod.EConflict {
			return reply(el.e.Languages[0], iltod.Msg("observe.sms.link_unknown", nil)), nil
		}
		return Reply{}, err
	}
	r := reply(el.langOf(el.observers[c.Observer]), iltod.Msg("observe.sms.linked", iltod.Lits("Code", c.Observer)))
	// The code itself is not kept: the log holds "LINK" and the outcome.
	in.Text = "LINK"
	return r, a.logExchange(ctx, el, in, address, c.Observer, "", msgLinked, r)
}

// IssueLinkCode creates a one-time code with which the observer links a WhatsApp or
// Telegram account, by sending "LINK <code>" from it; valid for DefaultLinkTTL. The code
// is returned once and only its hash is stored. Coordinators and admins may issue codes,
// as they issue enrollment codes.
func (a *App) IssueLinkCode(ctx context.Context, election, observer string) (code string, expires time.Time, err error) {
	if err := authorize(ctx, actionManageDevices); err != nil {
		return "", time.Time{}, err
	}
	if err := a.authorizeObserverCode(ctx, actionManageDevices, election, observer); err != nil {
		return "", time.Time{}, err
	}
	code = oneTimeCode()
	now := a.now().UTC().Truncate(time.Second)
	c := iltod.LinkCode{CodeHash: hashLinkCode(code), Election: election, Observer: observer, Issued: now, Expires: now.Add(DefaultLinkTTL)}
	if err := a.store.CreateLinkCode(ctx, c); err != nil {
		return "", time.Time{}, err
	}
	return code, c.Expires, nil
}

// ChannelMessages returns the messages in and out of one observer of an election, oldest
// first (the newest iltod.DefaultMessageLimit). They are observer data: only staff who may
// read observers may read them, a coordinator only for observers in their areas.
func (a *App) ChannelMessages(ctx context.Context, election, observer string) ([]iltod.ChannelMessage, error) {
	if err := authorize(ctx, actionReadObservers); err != nil {
		return nil, err
	}
	if err := a.authorizeObserverCode(ctx, actionReadObservers, election, observer); err != nil {
		return nil, err
	}
	msgs, err := a.store.ChannelMessages(ctx, election, iltod.ChannelMessageQuery{Observer: observer})
	if err != nil {
		return nil, fmt.Errorf("read messages of observer %s: %w", observer, err)
	}
	return msgs, nil
}
