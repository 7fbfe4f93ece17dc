package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/gateway"
	"github.com/iltod/iltod/locales"
)

// TestServeGateways: -gateways FILE serves the gateways it configures (and only those);
// a bad file stops the server with the catalogue's message, which never shows a secret.
func TestServeGateways(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"hmac":{"secret":"short-SECRET"}}`), 0o600)
	m := &Main{Config: ServeConfig{Store: StoreConfig{DataDir: filepath.Join(dir, "a")}, Addr: "127.0.0.1:0", Origin: "gw.test/log", GatewaysFile: bad}}
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	err := m.Serve(ctx)
	m.Close()
	if err == nil {
		t.Fatal("a bad gateways file was accepted")
	}
	for _, lang := range []string{"en", "mn"} {
		msg := errorText(locales.For(lang), err)
		if strings.Contains(msg, "SECRET") || !strings.Contains(msg, "bad.json") || strings.Contains(msg, "cli.") {
			t.Errorf("%s: %s", lang, msg)
		}
	}

	good := filepath.Join(dir, "gateways.json")
	secret := "serve-test-secret-0123456789"
	os.WriteFile(good, []byte(`{"hmac":{"secret":"`+secret+`"}}`), 0o600)
	m = &Main{Config: ServeConfig{Store: StoreConfig{DataDir: filepath.Join(dir, "b")}, Addr: "127.0.0.1:0", Origin: "gw.test/log", GatewaysFile: good}}
	defer m.Close()
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := electionpkg.ReadDir(exampleDir)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.App.LoadPackage(app.SystemContext(ctx), p, false); err != nil {
		t.Fatal(err)
	}
	if err := m.Serve(ctx); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(gateway.HMACMessage{ID: "t-1", From: "+97600000001", Text: "OP 1001 AA0800 AB1"})
	req, _ := http.NewRequest(http.MethodPost, m.URL()+"sms/example-2024/webhook", bytes.NewReader(body))
	req.Header.Set(gateway.SignatureHeader, gateway.Sign(secret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var reply struct{ To, Text string }
	json.NewDecoder(resp.Body).Decode(&reply)
	resp.Body.Close()
	if resp.StatusCode != 200 || reply.To != "+97600000001" || reply.Text == "" {
		t.Errorf("webhook: %d %+v", resp.StatusCode, reply)
	}
	resp, err = http.Post(m.URL()+"sms/example-2024/telegram", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unconfigured telegram: %d", resp.StatusCode)
	}
}
