package http

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/gateway"
)

// newGatewayEnv is a server over the example election with every gateway configured from
// testdata/sms/gateways.json.
func newGatewayEnv(t *testing.T) (*testEnv, *gateway.Config) {
	t.Helper()
	pkg, err := electionpkg.ReadDir("../../docs/example")
	if err != nil {
		t.Fatal(err)
	}
	env := newTestEnv(t, pkg)
	cfg, err := gateway.ReadConfig("testdata/sms/gateways.json")
	if err != nil {
		t.Fatal(err)
	}
	env.srv.SetGateways(cfg)
	return env, cfg
}

// replay sends the recorded request in file to env's server, as the provider would.
func (env *testEnv) replay(file string) (*http.Response, []byte) {
	env.t.Helper()
	f, err := os.Open(file)
	if err != nil {
		env.t.Fatal(err)
	}
	defer f.Close()
	req, err := http.ReadRequest(bufio.NewReader(f))
	if err != nil {
		env.t.Fatalf("%s: %v", file, err)
	}
	body, _ := io.ReadAll(req.Body)
	out, _ := http.NewRequest(req.Method, env.base+req.URL.RequestURI(), bytes.NewReader(body))
	out.Header = req.Header
	resp, err := env.client.Do(out)
	if err != nil {
		env.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// messagesOf is the message log of observer 1001, the sender of every fixture.
func (env *testEnv) messagesOf() int {
	env.t.Helper()
	ms, err := env.app.ChannelMessages(app.SystemContext(context.Background()), "example-2024", "1001")
	if err != nil {
		env.t.Fatal(err)
	}
	return len(ms)
}

// wellFormedReply checks a provider-format reply body and returns the text it carries.
func wellFormedReply(t *testing.T, provider string, resp *http.Response, body []byte) (to, text string) {
	t.Helper()
	ct := resp.Header.Get("Content-Type")
	switch provider {
	case "twilio":
		if !strings.HasPrefix(ct, "text/xml") {
			t.Fatalf("Content-Type %q", ct)
		}
		var r struct {
			XMLName xml.Name `xml:"Response"`
			Message []string `xml:"Message"`
		}
		if err := xml.Unmarshal(body, &r); err != nil || len(r.Message) != 1 {
			t.Fatalf("TwiML %s: %v", body, err)
		}
		return "", r.Message[0]
	case "telerivet":
		var r struct {
			Messages []struct {
				Content string `json:"content"`
			} `json:"messages"`
		}
		if err := json.Unmarshal(body, &r); err != nil || len(r.Messages) != 1 {
			t.Fatalf("telerivet reply %s: %v", body, err)
		}
		return "", r.Messages[0].Content
	case "smssync":
		var r struct {
			Payload struct {
				Success  bool                     `json:"success"`
				Error    *string                  `json:"error"`
				Task     string                   `json:"task"`
				Secret   string                   `json:"secret"`
				Messages []gateway.SMSSyncMessage `json:"messages"`
			} `json:"payload"`
		}
		if err := json.Unmarshal(body, &r); err != nil || !r.Payload.Success || r.Payload.Error != nil ||
			r.Payload.Task != "send" || r.Payload.Secret != "test-smssync-secret" || len(r.Payload.Messages) != 1 ||
			len(r.Payload.Messages[0].UUID) != 36 {
			t.Fatalf("smssync reply %s: %v", body, err)
		}
		return r.Payload.Messages[0].To, r.Payload.Messages[0].Message
	case "hmac":
		var r struct{ To, Text string }
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatalf("hmac reply %s: %v", body, err)
		}
		return r.To, r.Text
	case "telegram":
		var r struct {
			Method string `json:"method"`
			ChatID int64  `json:"chat_id"`
			Text   string `json:"text"`
		}
		if err := json.Unmarshal(body, &r); err != nil || r.Method != "sendMessage" || r.ChatID != 123456789 {
			t.Fatalf("telegram reply %s: %v", body, err)
		}
		return "telegram:123456789", r.Text
	}
	t.Fatalf("no provider %s", provider)
	return "", ""
}

// TestSMSGatewayFixtures replays each provider's recorded requests through the real
// handler and a real SQLite store: a valid request is answered 200 with the reply in the
// provider's format and is kept in the observer's message log; a bad signature is
// refused and changes nothing (no message, no report, no event, no log line); a
// malformed one is 400 and changes nothing.
func TestSMSGatewayFixtures(t *testing.T) {
	env, _ := newGatewayEnv(t)
	for _, provider := range []string{"twilio", "telerivet", "smssync", "hmac", "telegram"} {
		t.Run(provider, func(t *testing.T) {
			dir := filepath.Join("testdata/sms", provider)
			// Refusals first: each must leave everything as it was.
			cases := []struct {
				file   string
				status []int
			}{
				{"bad_signature.http", []int{http.StatusUnauthorized, http.StatusForbidden}},
				{"malformed.http", []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden}},
			}
			if _, err := os.Stat(filepath.Join(dir, "missing_from.http")); err == nil {
				// Authentic, but without a sender: a mistake, not a forgery.
				cases = append(cases, struct {
					file   string
					status []int
				}{"missing_from.http", []int{http.StatusBadRequest}})
			}
			for _, c := range cases {
				seq, subs := env.state()
				msgs := env.messagesOf()
				logLen := len(env.logs.String())
				resp, body := env.replay(filepath.Join(dir, c.file))
				if !containsInt(c.status, resp.StatusCode) {
					t.Errorf("%s: status %d, want one of %v; body %s", c.file, resp.StatusCode, c.status, body)
				}
				if s2, n2 := env.state(); s2 != seq || n2 != subs {
					t.Errorf("%s changed the store: seq %d→%d, reports %d→%d", c.file, seq, s2, subs, n2)
				}
				if m2 := env.messagesOf(); m2 != msgs {
					t.Errorf("%s kept a message: %d→%d", c.file, msgs, m2)
				}
				if c.file == "bad_signature.http" {
					if got := env.logs.String()[logLen:]; strings.Contains(got, "/sms/") || strings.Contains(got, "gateway") {
						t.Errorf("%s was logged: %s", c.file, got)
					}
					if provider != "twilio" && !bytes.Contains(body, []byte(`"code":"unauthorized"`)) {
						t.Errorf("%s: body %s is not the API's error", c.file, body)
					}
				}
			}
			msgs := env.messagesOf()
			resp, body := env.replay(filepath.Join(dir, "valid.http"))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("valid: status %d, body %s", resp.StatusCode, body)
			}
			to, text := wellFormedReply(t, provider, resp, body)
			if strings.TrimSpace(text) == "" {
				t.Errorf("valid: empty reply in %s", body)
			}
			if to != "" && to != "+97600000001" && to != "telegram:123456789" {
				t.Errorf("valid: reply to %q", to)
			}
			// The Telegram fixture's account is not linked to an observer: it is answered
			// (with how to link), but belongs to no observer's log.
			if m2 := env.messagesOf(); provider != "telegram" && m2 <= msgs {
				t.Errorf("valid: message log %d→%d, want the message kept", msgs, m2)
			}
			if strings.Contains(env.logs.String(), "+97600000001") || strings.Contains(env.logs.String(), "test-") {
				t.Errorf("a phone number or secret reached the log")
			}
		})
	}
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// TestSMSGatewayWhatsApp: a WhatsApp message through Twilio's webhook reaches the app as
// transport "whatsapp" (the decoder strips the "whatsapp:" prefix from From), and is
// answered in TwiML.
func TestSMSGatewayWhatsApp(t *testing.T) {
	env, _ := newGatewayEnv(t)
	resp, body := env.replay("testdata/sms/twilio/whatsapp.http")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	wellFormedReply(t, "twilio", resp, body)
	ms, _ := env.app.ChannelMessages(app.SystemContext(context.Background()), "example-2024", "1001")
	var found bool
	for _, m := range ms {
		if m.Direction == "in" {
			found = true
			// The core may keep the bare number or the account ("whatsapp:+976…").
			if m.Transport != "whatsapp" || !strings.HasSuffix(m.Address, "+97600000001") || m.Gateway != "twilio" {
				t.Errorf("in message %+v", m)
			}
		}
	}
	if !found {
		t.Error("no inbound message kept")
	}
}

// TestSMSGatewayUnconfigured: a gateway left out of the configuration answers 404, and a
// body over 64 KiB 413.
func TestSMSGatewayUnconfigured(t *testing.T) {
	pkg, err := electionpkg.ReadDir("../../docs/example")
	if err != nil {
		t.Fatal(err)
	}
	env := newTestEnv(t, pkg)
	env.srv.SetGateways(&gateway.Config{HMAC: &gateway.HMACConfig{Secret: "0123456789abcdef"}})
	for _, p := range []string{"twilio", "telerivet", "smssync", "telegram"} {
		resp, body := env.post("/sms/example-2024/"+p, []byte("{}"))
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, body %s", p, resp.StatusCode, body)
		}
	}
	resp, _ := env.do(http.MethodGet, "/sms/example-2024/smssync?task=send&secret=x")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("smssync poll: status %d", resp.StatusCode)
	}
	resp, _ = env.post("/sms/example-2024/webhook", bytes.Repeat([]byte("x"), gateway.MaxBody+1))
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("large body: status %d", resp.StatusCode)
	}
}

// TestSMSSyncPoll: broadcasts through SMSSync wait in the queue until the phone's task
// poll, which must carry the secret; each message is served once.
func TestSMSSyncPoll(t *testing.T) {
	env, cfg := newGatewayEnv(t)
	ctx := app.SystemContext(context.Background())
	res, err := env.app.Broadcast(ctx, "example-2024", []string{"1001", "1002"}, "polls close in 1 hour")
	if err != nil || res.Sent != 2 || res.Gateway != "smssync" {
		t.Fatalf("broadcast: %+v, %v", res, err)
	}
	if n := cfg.SMSSyncQueue().Len(); n != 2 {
		t.Fatalf("queue holds %d", n)
	}
	resp, body := env.do(http.MethodGet, "/sms/example-2024/smssync?task=send&secret=wrong")
	if resp.StatusCode != http.StatusUnauthorized || cfg.SMSSyncQueue().Len() != 2 {
		t.Fatalf("poll with a wrong secret: %d %s, queue %d", resp.StatusCode, body, cfg.SMSSyncQueue().Len())
	}
	resp, body = env.do(http.MethodGet, "/sms/example-2024/smssync?task=send&secret=test-smssync-secret")
	var r struct {
		Payload struct {
			Task     string                   `json:"task"`
			Messages []gateway.SMSSyncMessage `json:"messages"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(body, &r); err != nil || resp.StatusCode != 200 || r.Payload.Task != "send" || len(r.Payload.Messages) != 2 {
		t.Fatalf("poll: %d %s", resp.StatusCode, body)
	}
	tos := map[string]bool{}
	for _, m := range r.Payload.Messages {
		tos[m.To] = true
		if m.Message != "polls close in 1 hour" {
			t.Errorf("message %+v", m)
		}
	}
	if !tos["+97600000001"] || !tos["+97600000002"] {
		t.Errorf("sent to %v", tos)
	}
	_, body = env.do(http.MethodGet, "/sms/example-2024/smssync?task=send&secret=test-smssync-secret")
	if bytes.Contains(body, []byte("messages")) {
		t.Errorf("second poll served again: %s", body)
	}
	ms, _ := env.app.ChannelMessages(ctx, "example-2024", "1002")
	if len(ms) != 1 || ms[0].Direction != "out" || ms[0].Status != "sent" || ms[0].Gateway != "smssync" {
		t.Errorf("1002's log: %+v", ms)
	}
}

// TestSMSGatewayErrors: an authentic message for an election that does not exist is
// answered with the API's error, in the language asked for, by the JSON gateways, and
// with the status and an empty TwiML Response by Twilio.
func TestSMSGatewayErrors(t *testing.T) {
	env, _ := newGatewayEnv(t)
	body := []byte(`{"id":"x-1","from":"+97600000001","text":"EP"}`)
	req, _ := http.NewRequest(http.MethodPost, env.base+"/sms/no-such-election/webhook", bytes.NewReader(body))
	req.Header.Set(gateway.SignatureHeader, gateway.Sign("test-hmac-secret-0123456789", body))
	req.Header.Set("Accept-Language", "mn")
	resp, err := env.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var e errorBody
	json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || e.Error.Code != "not_found" || !strings.ContainsAny(e.Error.Message, "абвгдеёжзийклмнопрстуфхцчшщъыьэюяөү") {
		t.Errorf("hmac, unknown election: %d %+v", resp.StatusCode, e)
	}
	p := url.Values{"From": {"+97600000001"}, "Body": {"EP"}, "MessageSid": {"SM9"}, "AccountSid": {"AC0123456789abcdef0123456789abcdef"}}
	path := "/sms/no-such-election/twilio"
	req, _ = http.NewRequest(http.MethodPost, env.base+path, strings.NewReader(p.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", gateway.TwilioSignature("test-twilio-auth-token-0123456789", "https://iltod.example.org"+path, p))
	resp, err = env.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/xml") || !bytes.Contains(b, []byte("<Response></Response>")) {
		t.Errorf("twilio, unknown election: %d %s", resp.StatusCode, b)
	}
}
