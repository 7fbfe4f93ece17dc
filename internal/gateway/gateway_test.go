package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iltod/iltod/internal/app"
)

// TestTwilioSignatureDocumented checks TwilioSignature against the example of Twilio's
// security documentation: auth token 12345, the URL and parameters below give
// 0/KCTR6DLpKmkAf8muzZqo1nDgQ= (twilio.com/docs/usage/webhooks/webhooks-security).
func TestTwilioSignatureDocumented(t *testing.T) {
	params := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1234"},
		"From": {"+12349013030"}, "To": {"+18005551212"}}
	got := TwilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params)
	if got != "0/KCTR6DLpKmkAf8muzZqo1nDgQ=" {
		t.Errorf("signature %s", got)
	}
}

func TestDecoders(t *testing.T) {
	tw := &TwilioConfig{AuthToken: "tok", PublicURL: "https://x.test", AccountSID: "AC1"}
	p := url.Values{"From": {"whatsapp:+97699112233"}, "Body": {"EP 1"}, "MessageSid": {"SM1"}, "AccountSid": {"AC1"}}
	body := []byte(p.Encode())
	sig := TwilioSignature("tok", "https://x.test/sms/e/twilio", p)
	in, err := DecodeTwilio(tw, Request{URL: "https://x.test/sms/e/twilio", Header: http.Header{"X-Twilio-Signature": {sig}}, Body: body})
	if err != nil || in.Transport != "whatsapp" || in.From != "+97699112233" || in.Text != "EP 1" || in.GatewayID != "SM1" || in.Gateway != "twilio" {
		t.Fatalf("twilio: %+v %v", in, err)
	}
	// The same request to another URL, or for another account, is not authentic.
	if _, err := DecodeTwilio(tw, Request{URL: "https://x.test/sms/other/twilio", Header: http.Header{"X-Twilio-Signature": {sig}}, Body: body}); !errors.Is(err, ErrAuth) {
		t.Errorf("twilio other URL: %v", err)
	}
	tw2 := *tw
	tw2.AccountSID = "AC2"
	if _, err := DecodeTwilio(&tw2, Request{URL: "https://x.test/sms/e/twilio", Header: http.Header{"X-Twilio-Signature": {sig}}, Body: body}); !errors.Is(err, ErrAuth) {
		t.Errorf("twilio other account: %v", err)
	}
	hm := &HMACConfig{Secret: "0123456789abcdef"}
	b := []byte(`{"id":"1","from":"+97699112233","text":"EP","received":"2024-06-28T16:00:00+08:00"}`)
	in, err = DecodeHMAC(hm, Request{Header: http.Header{SignatureHeader: {Sign(hm.Secret, b)}}, Body: b})
	if err != nil || in.Received.Hour() != 8 || in.From != "+97699112233" {
		t.Fatalf("hmac: %+v %v", in, err)
	}
	if _, err := DecodeHMAC(hm, Request{Header: http.Header{SignatureHeader: {"sha256=00"}}, Body: b}); !errors.Is(err, ErrAuth) {
		t.Errorf("hmac bad: %v", err)
	}
	if _, err := DecodeHMAC(nil, Request{Body: b}); !errors.Is(err, ErrAuth) {
		t.Errorf("hmac unconfigured: %v", err)
	}
	tg := &TelegramConfig{SecretToken: "s", BotToken: "b"}
	_, err = DecodeTelegram(tg, Request{Header: http.Header{TelegramSecretHeader: {"s"}}, Body: []byte(`{"update_id":1,"edited_message":{}}`)})
	if !errors.Is(err, ErrIgnored) {
		t.Errorf("telegram edit: %v", err)
	}
	ss := &SMSSyncConfig{Secret: "s"}
	in, err = DecodeSMSSync(ss, Request{Body: []byte("secret=s&from=%2B97699112233&message=EP&message_id=m&sent_timestamp=1719590400000")})
	if err != nil || in.Received.Unix() != 1719590400 {
		t.Errorf("smssync ms: %+v %v", in, err)
	}
	tr := &TelerivetConfig{Secret: "s"}
	if _, err := DecodeTelerivet(tr, Request{Body: []byte("secret=s&event=send_status&id=1")}); !errors.Is(err, ErrIgnored) {
		t.Errorf("telerivet status: %v", err)
	}
}

func TestReplies(t *testing.T) {
	if got := string(TwilioReply("A < B & C")); got != `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<Response><Message>A &lt; B &amp; C</Message></Response>` {
		t.Errorf("twiml %s", got)
	}
	if got := string(TwilioReply("")); !strings.HasSuffix(got, "<Response></Response>") {
		t.Errorf("empty twiml %s", got)
	}
	if got := string(TelerivetReply("ok")); got != `{"messages":[{"content":"ok"}]}` {
		t.Errorf("telerivet %s", got)
	}
	if got := string(TelegramReply(app.Reply{To: "telegram:-100", Text: "ok"})); got != `{"chat_id":-100,"method":"sendMessage","text":"ok"}` {
		t.Errorf("telegram %s", got)
	}
	if got := string(HMACReply(app.Reply{To: "+1", Text: "ok"})); got != `{"text":"ok","to":"+1"}` {
		t.Errorf("hmac %s", got)
	}
	if got := string(SMSSyncReply(&SMSSyncConfig{Secret: "s"}, nil)); got != `{"payload":{"error":null,"success":true}}` {
		t.Errorf("smssync %s", got)
	}
}

// provider plays a provider's REST API: it records the request and answers with the
// recorded response in testdata/responses/name.
type provider struct {
	method, path, user, pass, ctype string
	body                            []byte
}

func play(t *testing.T, status int, response string) (*httptest.Server, *provider) {
	t.Helper()
	rec := &provider{}
	resp, err := os.ReadFile(filepath.Join("testdata/responses", response))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.method, rec.path, rec.ctype = r.Method, r.URL.Path, r.Header.Get("Content-Type")
		rec.user, rec.pass, _ = r.BasicAuth()
		rec.body, _ = io.ReadAll(r.Body)
		if rec.body == nil {
			rec.body = []byte{}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return srv, rec
}

func TestSenders(t *testing.T) {
	ctx := context.Background()
	t.Run("twilio", func(t *testing.T) {
		srv, rec := play(t, 201, "twilio_message.json")
		s := &TwilioSender{Config: &TwilioConfig{AccountSID: "AC0123", AuthToken: "tok", From: "+97670000000", APIBase: srv.URL}}
		if err := s.Send(ctx, "+97699112233", "polls close"); err != nil {
			t.Fatal(err)
		}
		f, _ := url.ParseQuery(string(rec.body))
		if rec.method != "POST" || rec.path != "/2010-04-01/Accounts/AC0123/Messages.json" || rec.user != "AC0123" || rec.pass != "tok" ||
			rec.ctype != "application/x-www-form-urlencoded" || f.Get("To") != "+97699112233" || f.Get("From") != "+97670000000" || f.Get("Body") != "polls close" {
			t.Errorf("request %+v %v", rec, f)
		}
	})
	t.Run("twilio error", func(t *testing.T) {
		srv, _ := play(t, 400, "twilio_error.json")
		s := &TwilioSender{Config: &TwilioConfig{AccountSID: "AC0123", AuthToken: "secret-tok", From: "+1", APIBase: srv.URL}}
		err := s.Send(ctx, "+97699112233", "x")
		if err == nil || strings.Contains(err.Error(), "secret-tok") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("telerivet", func(t *testing.T) {
		srv, rec := play(t, 200, "telerivet_message.json")
		s := &TelerivetSender{Config: &TelerivetConfig{APIKey: "key", ProjectID: "PJ1", APIBase: srv.URL}}
		if err := s.Send(ctx, "+97699112233", "polls close"); err != nil {
			t.Fatal(err)
		}
		var b map[string]string
		json.Unmarshal(rec.body, &b)
		if rec.path != "/v1/projects/PJ1/messages/send" || rec.user != "key" || b["to_number"] != "+97699112233" || b["content"] != "polls close" {
			t.Errorf("request %+v", rec)
		}
	})
	t.Run("hmac", func(t *testing.T) {
		var sig string
		var body []byte
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sig, body = r.Header.Get(SignatureHeader), must(io.ReadAll(r.Body))
			w.WriteHeader(204)
		}))
		defer srv.Close()
		s := &HMACSender{Config: &HMACConfig{Secret: "0123456789abcdef", SendURL: srv.URL + "/out"}}
		if err := s.Send(ctx, "+97699112233", "polls close"); err != nil {
			t.Fatal(err)
		}
		if sig != Sign("0123456789abcdef", body) || !strings.Contains(string(body), `"to":"+97699112233"`) {
			t.Errorf("sig %s body %s", sig, body)
		}
	})
	t.Run("telegram", func(t *testing.T) {
		srv, rec := play(t, 200, "telegram_send.json")
		s := &TelegramSender{Config: &TelegramConfig{BotToken: "123:abc", APIBase: srv.URL}}
		if err := s.Send(ctx, "telegram:123456789", "polls close"); err != nil {
			t.Fatal(err)
		}
		if rec.path != "/bot123:abc/sendMessage" || string(rec.body) != `{"chat_id":123456789,"text":"polls close"}` {
			t.Errorf("request %+v %s", rec, rec.body)
		}
		if err := s.Send(ctx, "+97699112233", "x"); !errors.Is(err, ErrAddress) {
			t.Errorf("phone to telegram: %v", err)
		}
		// A failure must not show the URL, which holds the bot token.
		srv.Close()
		if err := s.Send(ctx, "telegram:1", "x"); err == nil || strings.Contains(err.Error(), "abc") {
			t.Errorf("error %v", err)
		}
	})
}

func must[T any](v T, _ error) T { return v }

func TestReadConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(s), 0o600)
		return p
	}
	c, err := ReadConfig(write("g.toml", "broadcast = \"hmac\"\n[hmac]\nsecret = \"0123456789abcdef\"\nsend_url = \"http://127.0.0.1:1/\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s, name := c.Sender(); s == nil || name != "hmac" {
		t.Errorf("sender %v %s", s, name)
	}
	for name, body := range map[string]string{
		"typo.json":    `{"hmac":{"secert":"0123456789abcdef-SECRET"}}`,
		"short.json":   `{"hmac":{"secret":"short-SECRET"}}`,
		"bad.json":     `{"twilio":{"auth_token":"tok-SECRET"`,
		"nosend.json":  `{"smssync":{"secret":"s-SECRET"},"broadcast":"twilio"}`,
		"typo.toml":    "[twilio]\nauth_tokn = \"tok-SECRET\"\n",
		"nourl.toml":   "[twilio]\nauth_token = \"tok-SECRET\"\n",
		"unknown.json": `{"broadcast":"pigeon"}`,
		"tg.json":      `{"telegram":{"bot_token":"b-SECRET","secret_token":"s-SECRET"},"broadcast":"telegram"}`,
	} {
		_, err := ReadConfig(write(name, body))
		if err == nil || strings.Contains(err.Error(), "SECRET") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
