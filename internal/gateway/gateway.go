// Package gateway speaks the protocols of the SMS and messenger gateways that observer
// groups use: it authenticates a provider's webhook request as the provider documents,
// decodes it to an app.InboundMessage, encodes the reply in the provider's format, and
// sends outbound messages through the provider's API. One file per provider cites the
// provider's documented fields. It knows nothing of HTTP routing or of the election: the
// server (internal/http/sms_gateways.go) wires it to app.ReceiveMessage.
//
// Secrets live in Config and are never put in an error, a log line or a String method.
package gateway

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/iltod/iltod/internal/app"
)

// MaxBody bounds a webhook request's body; every provider's message fits well within it.
const MaxBody = 64 << 10

// ErrAuth is a request whose signature or secret is missing or wrong. A handler answers
// it 401 or 403 and does nothing else: nothing stored, nothing logged.
var ErrAuth = errors.New("gateway: authentication failed")

// ErrMalformed is a request that authenticates but cannot be decoded.
var ErrMalformed = errors.New("gateway: malformed request")

// ErrIgnored is an authentic request that carries no message to answer (a Telegram
// update that is not a text message, an SMSSync delivery report): answer 200, do nothing.
var ErrIgnored = errors.New("gateway: nothing to do")

// Request is the part of a webhook request the decoders read.
type Request struct {
	// URL is the full URL the provider called, as the provider saw it (scheme, host, path
	// and query): Twilio signs it.
	URL    string
	Header http.Header
	Body   []byte
}

// Sender sends one message to an address: an E.164 number, or "telegram:<chat id>".
type Sender = app.Sender

// Names of the gateways, as InboundMessage.Gateway and the configuration name them.
const (
	Twilio    = "twilio"
	Telerivet = "telerivet"
	SMSSync   = "smssync"
	HMAC      = "hmac"
	Telegram  = "telegram"
)

// equal compares two secrets in constant time (for equal lengths).
func equal(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }

// form parses a urlencoded body; a body that is not is ErrMalformed.
func form(body []byte) (url.Values, error) {
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, ErrMalformed
	}
	return v, nil
}

// newUUID returns a random RFC 4122 version 4 UUID.
func newUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// client is the HTTP client senders use when none is configured.
var client = &http.Client{Timeout: 20 * time.Second}

// post sends an outbound API request and checks its status. The error names the
// provider and the status, never the URL (Telegram's holds the bot token) or a body.
func post(ctx context.Context, c *http.Client, provider, method, u, contentType string, body []byte, auth func(*http.Request)) error {
	if c == nil {
		c = client
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: build request", provider)
	}
	req.Header.Set("Content-Type", contentType)
	if auth != nil {
		auth(req)
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("%s: request failed", provider)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, MaxBody))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s: status %d", provider, resp.StatusCode)
	}
	return nil
}

// ErrQueueFull is a send to an SMSSync queue that holds maxQueue messages.
var ErrQueueFull = errors.New("gateway: queue full")

// ErrAddress is an address the sender cannot send to (a phone number to Telegram).
var ErrAddress = errors.New("gateway: address not served by this gateway")

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }

// NewUUID returns a random RFC 4122 version 4 UUID, as SMSSync's task messages carry.
func NewUUID() string { return newUUID() }
