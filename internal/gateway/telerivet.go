package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/iltod/iltod/internal/app"
)

// Telerivet's Webhook API (telerivet.com/api/webhook): a POST of urlencoded parameters
// (not JSON), among them secret (the webhook secret set on the service), event
// ("incoming_message"), id, message_type ("sms", "ussd", …), content, from_number,
// to_number, time_created (UNIX seconds). The answer may carry replies as JSON:
// {"messages":[{"content":"…"}]}. Outbound (telerivet.com/api/rest/curl): POST
// /v1/projects/{project_id}/messages/send with JSON {"to_number", "content"}, HTTP basic
// auth with the API key as the user name.

// TelerivetConfig configures Telerivet.
type TelerivetConfig struct {
	// Secret is the webhook secret set on the Telerivet service.
	Secret string `json:"secret" toml:"secret"`
	// APIKey and ProjectID send outbound messages.
	APIKey    string `json:"api_key" toml:"api_key"`
	ProjectID string `json:"project_id" toml:"project_id"`
	// APIBase is Telerivet's REST API; "" means https://api.telerivet.com.
	APIBase string `json:"api_base" toml:"api_base"`
}

// DecodeTelerivet authenticates and decodes a Telerivet webhook request. Events other than
// an incoming SMS are ErrIgnored.
func DecodeTelerivet(c *TelerivetConfig, r Request) (app.InboundMessage, error) {
	if c == nil || c.Secret == "" {
		return app.InboundMessage{}, ErrAuth
	}
	p, err := form(r.Body)
	if err != nil || !equal(p.Get("secret"), c.Secret) {
		return app.InboundMessage{}, ErrAuth
	}
	if p.Get("event") != "incoming_message" || (p.Get("message_type") != "" && p.Get("message_type") != "sms") {
		return app.InboundMessage{}, ErrIgnored
	}
	from, id := p.Get("from_number"), p.Get("id")
	if from == "" || id == "" {
		return app.InboundMessage{}, ErrMalformed
	}
	in := app.InboundMessage{Transport: "sms", From: from, Text: p.Get("content"), Gateway: Telerivet, GatewayID: id,
		Received: time.Now().UTC()}
	if s := p.Get("time_created"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return app.InboundMessage{}, ErrMalformed
		}
		in.Received = time.Unix(n, 0).UTC()
	}
	return in, nil
}

// TelerivetReply is the JSON answer: the reply, or no messages when text is "".
func TelerivetReply(text string) []byte {
	msgs := []map[string]string{}
	if text != "" {
		msgs = append(msgs, map[string]string{"content": text})
	}
	b, _ := json.Marshal(map[string]any{"messages": msgs})
	return b
}

// TelerivetSender sends through Telerivet's REST API.
type TelerivetSender struct {
	Config *TelerivetConfig
	Client *http.Client
}

// Send implements Sender.
func (s *TelerivetSender) Send(ctx context.Context, to, text string) error {
	base := s.Config.APIBase
	if base == "" {
		base = "https://api.telerivet.com"
	}
	body, _ := json.Marshal(map[string]string{"to_number": to, "content": text})
	u := strings.TrimRight(base, "/") + "/v1/projects/" + url.PathEscape(s.Config.ProjectID) + "/messages/send"
	return post(ctx, s.Client, Telerivet, http.MethodPost, u, "application/json", body, func(r *http.Request) {
		r.SetBasicAuth(s.Config.APIKey, "")
	})
}
