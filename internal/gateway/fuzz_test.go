package gateway

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// seed adds each recorded fixture body of provider to f.
func seed(f *testing.F, provider string) {
	files, _ := filepath.Glob(filepath.Join("../http/testdata/sms", provider, "*.http"))
	for _, file := range files {
		b, _ := os.ReadFile(file)
		if _, body, ok := cut(b); ok {
			f.Add(body)
		}
	}
	f.Add([]byte{})
	f.Add([]byte("{}"))
}

func cut(b []byte) ([]byte, []byte, bool) {
	for i := 0; i+3 < len(b); i++ {
		if string(b[i:i+4]) == "\r\n\r\n" {
			return b[:i], b[i+4:], true
		}
	}
	return nil, nil, false
}

// check is what every decoder must hold on any input: no panic, one of the known
// errors or a message with a sender, and valid fields.
func check(t *testing.T, gw string, in interface {
}, err error, from, gateway string) {
	if err != nil {
		if !errors.Is(err, ErrAuth) && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrIgnored) {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	if from == "" || gateway != gw {
		t.Fatalf("accepted a message without a sender: %+v", in)
	}
}

func FuzzTwilio(f *testing.F) {
	seed(f, "twilio")
	c := &TwilioConfig{AuthToken: "tok", PublicURL: "https://x.test"}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, _ := form(body)
		// Sign what was sent, so that the fuzzer reaches the decoding after the check.
		sig := TwilioSignature("tok", "https://x.test/t", p)
		in, err := DecodeTwilio(c, Request{URL: "https://x.test/t", Header: http.Header{"X-Twilio-Signature": {sig}}, Body: body})
		check(t, Twilio, in, err, in.From, in.Gateway)
		if _, err2 := DecodeTwilio(c, Request{URL: "https://x.test/t", Header: http.Header{"X-Twilio-Signature": {sig + "x"}}, Body: body}); !errors.Is(err2, ErrAuth) {
			t.Fatalf("a wrong signature gave %v", err2)
		}
	})
}

func FuzzTelerivet(f *testing.F) {
	seed(f, "telerivet")
	c := &TelerivetConfig{Secret: "test-telerivet-webhook-secret"}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := DecodeTelerivet(c, Request{Body: body})
		check(t, Telerivet, in, err, in.From, in.Gateway)
	})
}

func FuzzSMSSync(f *testing.F) {
	seed(f, "smssync")
	c := &SMSSyncConfig{Secret: "test-smssync-secret"}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := DecodeSMSSync(c, Request{Body: body})
		check(t, SMSSync, in, err, in.From, in.Gateway)
	})
}

func FuzzHMAC(f *testing.F) {
	seed(f, "hmac")
	c := &HMACConfig{Secret: "test-hmac-secret-0123456789"}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := DecodeHMAC(c, Request{Header: http.Header{SignatureHeader: {Sign(c.Secret, body)}}, Body: body})
		check(t, HMAC, in, err, in.From, in.Gateway)
		if err == nil && !utf8.ValidString(in.From) {
			t.Fatalf("invalid UTF-8 sender")
		}
		if _, err := DecodeHMAC(c, Request{Header: http.Header{SignatureHeader: {Sign("other-secret-0123456", body)}}, Body: body}); !errors.Is(err, ErrAuth) {
			t.Fatalf("another key's signature gave %v", err)
		}
	})
}

func FuzzTelegram(f *testing.F) {
	seed(f, "telegram")
	c := &TelegramConfig{SecretToken: "test-telegram-secret-token", BotToken: "b"}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := DecodeTelegram(c, Request{Header: http.Header{TelegramSecretHeader: {c.SecretToken}}, Body: body})
		check(t, Telegram, in, err, in.From, in.Gateway)
	})
}
