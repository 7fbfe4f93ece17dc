package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/iltod/iltod/internal/app"
)

// The generic JSON webhook, iltod's own protocol for a local aggregator (a modem bank, a
// partner's SMS server): POST /sms/{election}/webhook with the body
//
//	{"id": "<the aggregator's message id>", "from": "+976…", "text": "…", "received": "<RFC 3339>"}
//
// and the header X-Iltod-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with
// the shared secret>, the scheme GitHub's webhooks use. The answer is {"to": …, "text": …}.
// Outbound messages are POSTed to the configured URL as {"id", "to", "text"} signed the
// same way.

// SignatureHeader carries the body's HMAC-SHA256.
const SignatureHeader = "X-Iltod-Signature"

// HMACConfig configures the generic webhook.
type HMACConfig struct {
	// Secret keys the HMAC both ways.
	Secret string `json:"secret" toml:"secret"`
	// SendURL receives outbound messages; "" means none are sent.
	SendURL string `json:"send_url" toml:"send_url"`
}

// Sign returns the X-Iltod-Signature value for body.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// HMACMessage is the generic webhook's body.
type HMACMessage struct {
	ID       string `json:"id"`
	From     string `json:"from"`
	Text     string `json:"text"`
	Received string `json:"received,omitempty"`
}

// DecodeHMAC authenticates and decodes a generic webhook request.
func DecodeHMAC(c *HMACConfig, r Request) (app.InboundMessage, error) {
	sig := r.Header.Get(SignatureHeader)
	if c == nil || c.Secret == "" || !strings.HasPrefix(sig, "sha256=") || !equal(sig, Sign(c.Secret, r.Body)) {
		return app.InboundMessage{}, ErrAuth
	}
	var m HMACMessage
	if err := json.Unmarshal(r.Body, &m); err != nil || m.From == "" || m.ID == "" {
		return app.InboundMessage{}, ErrMalformed
	}
	in := app.InboundMessage{Transport: "sms", From: m.From, Text: m.Text, Gateway: HMAC, GatewayID: m.ID, Received: time.Now().UTC()}
	if m.Received != "" {
		t, err := time.Parse(time.RFC3339, m.Received)
		if err != nil {
			return app.InboundMessage{}, ErrMalformed
		}
		in.Received = t.UTC()
	}
	return in, nil
}

// HMACReply is the generic webhook's answer.
func HMACReply(r app.Reply) []byte {
	b, _ := json.Marshal(map[string]string{"to": r.To, "text": r.Text})
	return b
}

// HMACSender POSTs outbound messages to the aggregator.
type HMACSender struct {
	Config *HMACConfig
	Client *http.Client
}

// Send implements Sender.
func (s *HMACSender) Send(ctx context.Context, to, text string) error {
	body, _ := json.Marshal(map[string]string{"id": newUUID(), "to": to, "text": text})
	return post(ctx, s.Client, HMAC, http.MethodPost, s.Config.SendURL, "application/json", body, func(r *http.Request) {
		r.Header.Set(SignatureHeader, Sign(s.Config.Secret, body))
	})
}
