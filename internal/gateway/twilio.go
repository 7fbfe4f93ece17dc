package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/iltod/iltod/internal/app"
)

// Twilio's Messaging webhook (twilio.com/docs/messaging/guides/webhook-request): a POST
// of application/x-www-form-urlencoded parameters, among them MessageSid, AccountSid,
// From, To and Body. WhatsApp messages through Twilio arrive on the same webhook with
// From "whatsapp:+976…". Twilio signs every request (twilio.com/docs/usage/webhooks/
// webhooks-security): X-Twilio-Signature is the base64 HMAC-SHA1, keyed with the account's
// auth token, of the full URL Twilio called followed by every POST parameter, sorted by
// name, as name and value concatenated. The answer is TwiML:
// <Response><Message>…</Message></Response>. Outbound: POST
// /2010-04-01/Accounts/{AccountSid}/Messages.json with To, From and Body, form-encoded,
// HTTP basic auth AccountSid:AuthToken, answered 201.

// TwilioConfig configures Twilio (SMS and WhatsApp).
type TwilioConfig struct {
	AccountSID string `json:"account_sid" toml:"account_sid"`
	AuthToken  string `json:"auth_token" toml:"auth_token"`
	// PublicURL is the scheme and host Twilio calls, e.g. "https://iltod.example.org":
	// the signature covers the URL as Twilio saw it, not as a proxy forwards it.
	PublicURL string `json:"public_url" toml:"public_url"`
	// From is the number (or "whatsapp:+…" sender) outbound messages come from.
	From string `json:"from" toml:"from"`
	// APIBase is Twilio's REST API; "" means https://api.twilio.com.
	APIBase string `json:"api_base" toml:"api_base"`
}

// TwilioSignature returns the X-Twilio-Signature of a request to fullURL with params.
func TwilioSignature(authToken, fullURL string, params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	sb.WriteString(fullURL)
	for _, k := range keys {
		vs := append([]string(nil), params[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			sb.WriteString(k)
			sb.WriteString(v)
		}
	}
	m := hmac.New(sha1.New, []byte(authToken))
	m.Write([]byte(sb.String()))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// DecodeTwilio authenticates and decodes a Twilio webhook request; r.URL must be the
// public URL Twilio called.
func DecodeTwilio(c *TwilioConfig, r Request) (app.InboundMessage, error) {
	if c == nil || c.AuthToken == "" {
		return app.InboundMessage{}, ErrAuth
	}
	params, err := form(r.Body)
	sig := r.Header.Get("X-Twilio-Signature")
	if err != nil || sig == "" || !equal(sig, TwilioSignature(c.AuthToken, r.URL, params)) {
		return app.InboundMessage{}, ErrAuth
	}
	if c.AccountSID != "" && params.Get("AccountSid") != c.AccountSID {
		return app.InboundMessage{}, ErrAuth
	}
	// A status callback sent to this URL (SmsStatus "sent", "delivered", …) is no message.
	if st := params.Get("SmsStatus"); st != "" && st != "received" {
		return app.InboundMessage{}, ErrIgnored
	}
	from, id := params.Get("From"), params.Get("MessageSid")
	if id == "" {
		id = params.Get("SmsMessageSid")
	}
	if from == "" || id == "" {
		return app.InboundMessage{}, ErrMalformed
	}
	transport := "sms"
	if rest, ok := strings.CutPrefix(from, "whatsapp:"); ok {
		transport, from = "whatsapp", rest
	}
	return app.InboundMessage{Transport: transport, From: from, Text: params.Get("Body"), Gateway: Twilio,
		GatewayID: id, Received: time.Now().UTC()}, nil
}

// TwilioReply is the TwiML answer: one Message, or an empty Response when text is "".
func TwilioReply(text string) []byte {
	type message struct {
		Text string `xml:",chardata"`
	}
	var resp struct {
		XMLName xml.Name  `xml:"Response"`
		Message []message `xml:"Message"`
	}
	if text != "" {
		resp.Message = []message{{text}}
	}
	b, _ := xml.Marshal(resp)
	return append([]byte(xml.Header), b...)
}

// TwilioSender sends through Twilio's Messages API.
type TwilioSender struct {
	Config *TwilioConfig
	Client *http.Client
}

// Send implements Sender. A WhatsApp sender (From "whatsapp:+…") sends to "whatsapp:"+to.
func (s *TwilioSender) Send(ctx context.Context, to, text string) error {
	base := s.Config.APIBase
	if base == "" {
		base = "https://api.twilio.com"
	}
	if strings.HasPrefix(s.Config.From, "whatsapp:") && !strings.HasPrefix(to, "whatsapp:") {
		to = "whatsapp:" + to
	}
	body := url.Values{"To": {to}, "From": {s.Config.From}, "Body": {text}}.Encode()
	u := strings.TrimRight(base, "/") + "/2010-04-01/Accounts/" + url.PathEscape(s.Config.AccountSID) + "/Messages.json"
	return post(ctx, s.Client, Twilio, http.MethodPost, u, "application/x-www-form-urlencoded", []byte(body), func(r *http.Request) {
		r.SetBasicAuth(s.Config.AccountSID, s.Config.AuthToken)
	})
}
