package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iltod/iltod/internal/localca"
	"github.com/iltod/iltod/locales"
)

// enrollCodeRe finds an enrollment code in the demo's output.
var enrollCodeRe = regexp.MustCompile(`[0-9A-Z]{5}-[0-9A-Z]{5}`)

// startDemo opens the demo's election in a fresh data directory and serves it with tc.
func startDemo(t *testing.T, tc TLSConfig) *Main {
	t.Helper()
	m := &Main{Config: ServeConfig{Store: StoreConfig{DataDir: t.TempDir()}, Addr: "127.0.0.1:0", Origin: DemoOrigin, TLS: tc}}
	t.Cleanup(func() { m.Close() })
	ctx := context.Background()
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := loadDemo(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := m.Serve(ctx); err != nil {
		t.Fatal(err)
	}
	return m
}

// enroll posts a fresh device key with code to base's /api/v1/devices and returns the
// status.
func enroll(t *testing.T, client *http.Client, base, code string) int {
	t.Helper()
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	body, _ := json.Marshal(map[string]string{"code": code, "key": base64.StdEncoding.EncodeToString(pub)})
	resp, err := client.Post(base+"api/v1/devices", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("enroll: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(resp.Body)
		t.Logf("enroll: %s %s", resp.Status, b)
	}
	return resp.StatusCode
}

// TestDemoPhoneOverTLS runs the demo with -tls-auto: the CA lands in DATA/tls, a client
// trusting only it reaches /healthz and downloads it, and the printed enrollment code
// enrolls a device key over HTTPS, once.
func TestDemoPhoneOverTLS(t *testing.T) {
	m := startDemo(t, TLSConfig{Auto: true})
	if !strings.HasPrefix(m.URL(), "https://") {
		t.Fatalf("URL %s is not https", m.URL())
	}
	caFile := filepath.Join(m.Config.Store.DataDir, TLSDir, localca.CACertFile)
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(m.Config.Store.DataDir, TLSDir, localca.CAKeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("ca.key: %v, %v; want mode 0600", fi, err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		t.Fatal("ca.crt holds no certificate")
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	if b := getWith(t, client, m.URL()+"healthz"); string(b) != "ok" {
		t.Errorf("/healthz: %q", b)
	}
	block, _ := pem.Decode(caPEM)
	if der := getWith(t, client, m.URL()+"tls/ca.crt"); block == nil || !bytes.Equal(der, block.Bytes) {
		t.Errorf("/tls/ca.crt is not the DER of %s", caFile)
	}

	for _, lang := range []string{"en", "mn"} {
		var out bytes.Buffer
		code, err := printDemoPhone(context.Background(), locales.For(lang), m, &out)
		if err != nil {
			t.Fatal(err)
		}
		text := out.String()
		t.Logf("%s:\n%s", lang, text)
		for _, want := range []string{m.URL() + "observe/", m.URL() + "tls/ca.crt", caFile, code, m.URL() + "observe/#code=" + code} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the demo does not print %s", lang, want)
			}
		}
		if found := enrollCodeRe.FindString(text); found != code {
			t.Errorf("%s: the printed code is %q, want %q", lang, found, code)
		}
		if lang == "mn" && !strings.Contains(text, "ажиглагч") {
			t.Errorf("mn: the lines are not in Mongolian")
		}
		if s := enroll(t, client, m.URL(), code); s != http.StatusCreated {
			t.Errorf("%s: enrolling with the printed code: %d, want 201", lang, s)
		}
		if s := enroll(t, client, m.URL(), code); s == http.StatusCreated {
			t.Errorf("%s: the printed code enrolled a second device", lang)
		}
	}
	// A client that does not trust the local CA is refused.
	if _, err := http.Get(m.URL() + "healthz"); err == nil {
		t.Errorf("a client without the local CA reached the server")
	}
}

// TestDemoPhonePlain checks what the demo prints without TLS: the app's address over
// http, that phones need HTTPS, and a code that enrolls.
func TestDemoPhonePlain(t *testing.T) {
	m := startDemo(t, TLSConfig{})
	var out bytes.Buffer
	code, err := printDemoPhone(context.Background(), locales.For("en"), m, &out)
	if err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"observer app for phones: " + m.URL() + "observe/", "-tls-auto", code} {
		if !strings.Contains(text, want) {
			t.Errorf("the demo does not print %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "tls/ca.crt") {
		t.Errorf("the demo offers a CA certificate it does not have:\n%s", text)
	}
	if s := enroll(t, http.DefaultClient, m.URL(), code); s != http.StatusCreated {
		t.Errorf("enrolling with the printed code: %d, want 201", s)
	}
}

// TestServeTLSCertFiles serves with -tls-cert and -tls-key naming a certificate made
// here, and checks the flags' errors.
func TestServeTLSCertFiles(t *testing.T) {
	dir := t.TempDir()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalPKCS8PrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), 0o600)

	m := &Main{Config: ServeConfig{Store: StoreConfig{DataDir: t.TempDir()}, Addr: "127.0.0.1:0", Origin: DemoOrigin,
		TLS: TLSConfig{CertFile: certFile, KeyFile: keyFile}}}
	defer m.Close()
	ctx := context.Background()
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.Serve(ctx); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	if b := getWith(t, client, m.URL()+"healthz"); string(b) != "ok" {
		t.Errorf("/healthz: %q", b)
	}
	resp, err := client.Get(m.URL() + "tls/ca.crt")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/tls/ca.crt without -tls-auto: %s, want 404", resp.Status)
	}
	if _, err := os.Stat(filepath.Join(m.Config.Store.DataDir, TLSDir)); err == nil {
		t.Errorf("-tls-cert made a local CA")
	}

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-tls-cert", certFile}, 2, "give both -tls-cert FILE and -tls-key FILE"},
		{[]string{"-tls-auto", "-tls-cert", certFile, "-tls-key", keyFile}, 2, "not both"},
		{[]string{"-tls-cert", keyFile, "-tls-key", keyFile}, 1, "load the TLS certificate"},
	} {
		args := append([]string{"serve", "-data", t.TempDir(), "-origin", "test.invalid/log", "-addr", "127.0.0.1:0"}, c.args...)
		code, stdout, stderr := iltodCmd(t, args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("iltod %s: exit %d, want %d saying %q\n%s%s", strings.Join(args, " "), code, c.code, c.want, stdout, stderr)
		}
	}
}

// TestTLSFlagsFromEnvironment checks the environment fallbacks of the TLS flags.
func TestTLSFlagsFromEnvironment(t *testing.T) {
	t.Setenv(envTLSCert, "/c.pem")
	t.Setenv(envTLSKey, "/k.pem")
	t.Setenv(envTLSAuto, "true")
	fs := newFlagSet(locales.For("en"), "test", io.Discard, "", "")
	var c ServeConfig
	c.register(fs, "127.0.0.1:0", "")
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if c.TLS != (TLSConfig{CertFile: "/c.pem", KeyFile: "/k.pem", Auto: true}) {
		t.Errorf("from the environment: %+v", c.TLS)
	}
}

// getWith GETs url with client and returns the body of a 200 answer.
func getWith(t *testing.T, client *http.Client, url string) []byte {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s: %s", url, resp.Status, body)
	}
	return body
}

// TestURLs checks the addresses the commands print for a server on every interface: this
// machine's by localhost, a phone's by a LAN address.
func TestURLs(t *testing.T) {
	m := &Main{Addr: &net.TCPAddr{IP: net.IPv6unspecified, Port: 8443}}
	if got := m.URL(); got != "http://localhost:8443/" {
		t.Errorf("URL on [::]:8443 = %s", got)
	}
	m.Cert = &tls.Certificate{}
	if got := m.URL(); got != "https://localhost:8443/" {
		t.Errorf("URL over TLS = %s", got)
	}
	want := "https://localhost:8443/"
	if lan := localca.LANAddresses(); len(lan) > 0 {
		want = "https://" + net.JoinHostPort(lan[0], "8443") + "/"
	}
	if got := m.phoneBase(); got != want {
		t.Errorf("phoneBase = %s, want %s", got, want)
	}
	m.Addr = &net.TCPAddr{IP: net.IPv4(192, 0, 2, 9), Port: 443}
	if got, p := m.URL(), m.phoneBase(); got != "https://192.0.2.9:443/" || p != got {
		t.Errorf("URL, phoneBase on 192.0.2.9:443 = %s, %s", got, p)
	}
}
