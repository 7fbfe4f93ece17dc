package http

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/localca"
	"github.com/iltod/iltod/internal/sqlstore"
)

// TestServeTLS serves over HTTPS with a certificate from the local CA and checks that a
// client trusting only that CA reaches /healthz and downloads the CA's certificate in
// both forms, and that a server without a local CA offers none.
func TestServeTLS(t *testing.T) {
	ctx := context.Background()
	store, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "iltod.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	now := time.Now()
	ca, err := localca.Open(filepath.Join(t.TempDir(), "tls"), now)
	if err != nil {
		t.Fatal(err)
	}
	cert, _, err := ca.ServerCertificate(localca.Names("127.0.0.1:0"), now)
	if err != nil {
		t.Fatal(err)
	}
	start := func(withCA bool) (string, context.CancelFunc, <-chan error) {
		srv := NewServer(app.New(store, nil), nil)
		srv.SetTLS(&tls.Config{Certificates: []tls.Certificate{cert}})
		if withCA {
			srv.SetLocalCA(ca.DER())
		}
		sctx, cancel := context.WithCancel(ctx)
		addr, done, err := srv.Start(sctx, "127.0.0.1:0")
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		return "https://" + addr.String(), cancel, done
	}
	base, cancel, done := start(true)
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	get := func(url string) (*http.Response, []byte) {
		t.Helper()
		resp, err := client.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	if resp, body := get(base + "/healthz"); resp.StatusCode != 200 || string(body) != "ok" {
		t.Errorf("/healthz over TLS: %s %q", resp.Status, body)
	}
	resp, body := get(base + "/tls/ca.crt")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-x509-ca-cert" || !bytes.Equal(body, ca.Cert.Raw) {
		t.Errorf("/tls/ca.crt: %s, %s, %d bytes; want the CA's DER as application/x-x509-ca-cert", resp.Status, resp.Header.Get("Content-Type"), len(body))
	}
	resp, body = get(base + "/tls/ca.pem")
	block, _ := pem.Decode(body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-pem-file" || block == nil || !bytes.Equal(block.Bytes, ca.Cert.Raw) {
		t.Errorf("/tls/ca.pem: %s, %s; want the CA's PEM", resp.Status, resp.Header.Get("Content-Type"))
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Errorf("a client that does not trust the local CA reached the server")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}

	base, cancel, done = start(false)
	defer func() { cancel(); <-done }()
	if resp, _ := get(base + "/tls/ca.crt"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("/tls/ca.crt without a local CA: %s, want 404", resp.Status)
	}
}
