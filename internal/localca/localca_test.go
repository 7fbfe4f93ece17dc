package localca

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func TestCAAndLeafVerifyForEachName(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	ca, err := Open(dir, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ca.Cert.Subject.CommonName, "iltod local CA") {
		t.Errorf("CA named %q", ca.Cert.Subject.CommonName)
	}
	if got := ca.Cert.NotAfter.Sub(t0); got < 9*365*24*time.Hour {
		t.Errorf("CA valid for %v after issue, want ten years", got)
	}
	for _, f := range []string{CAKeyFile} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, fi.Mode().Perm())
		}
	}
	names := []string{"localhost", "127.0.0.1", "::1", "192.168.1.20", "iltod.lan"}
	cert, reissued, err := ca.ServerCertificate(names, t0)
	if err != nil || !reissued {
		t.Fatalf("first server certificate: reissued %v, %v", reissued, err)
	}
	fi, _ := os.Stat(filepath.Join(dir, ServerKeyFile))
	if fi == nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("server.key mode is not 0600: %v", fi)
	}
	if v := cert.Leaf.NotAfter.Sub(cert.Leaf.NotBefore); v > 397*24*time.Hour {
		t.Errorf("server certificate valid for %v; phones refuse more than 397 days", v)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	for _, n := range names {
		if _, err := cert.Leaf.Verify(x509.VerifyOptions{DNSName: n, Roots: roots, CurrentTime: t0,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	if _, err := cert.Leaf.Verify(x509.VerifyOptions{DNSName: "10.9.9.9", Roots: roots, CurrentTime: t0}); err == nil {
		t.Errorf("the certificate verifies for an address it does not name")
	}
	// A CA made elsewhere does not vouch for it.
	other, err := Open(t.TempDir(), t0)
	if err != nil {
		t.Fatal(err)
	}
	otherRoots := x509.NewCertPool()
	otherRoots.AddCert(other.Cert)
	if _, err := cert.Leaf.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: otherRoots, CurrentTime: t0}); err == nil {
		t.Errorf("the certificate verifies against another CA")
	}

	// Opening again keeps the CA, and the certificate while it still fits.
	again, err := Open(dir, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Cert.Raw, ca.Cert.Raw) {
		t.Errorf("reopening made a new CA")
	}
	same, reissued, err := again.ServerCertificate(names[:3], t0.Add(time.Hour))
	if err != nil || reissued || !bytes.Equal(same.Certificate[0], cert.Certificate[0]) {
		t.Errorf("a certificate that covers the names was reissued (%v, %v)", reissued, err)
	}
}

func TestServerCertificateReissue(t *testing.T) {
	ca, err := Open(t.TempDir(), t0)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"localhost", "127.0.0.1", "::1", "192.168.1.20"}
	first, _, err := ca.ServerCertificate(names, t0)
	if err != nil {
		t.Fatal(err)
	}
	// The laptop moved to another network: a new address.
	moved := append(names[:3:3], "10.0.0.7")
	second, reissued, err := ca.ServerCertificate(moved, t0.Add(time.Hour))
	if err != nil || !reissued {
		t.Fatalf("new address: reissued %v, %v", reissued, err)
	}
	if err := second.Leaf.VerifyHostname("10.0.0.7"); err != nil {
		t.Errorf("the reissued certificate does not cover the new address: %v", err)
	}
	if bytes.Equal(first.Certificate[0], second.Certificate[0]) {
		t.Errorf("same certificate after reissue")
	}
	// Within 30 days of its end it is reissued; 31 days before, not.
	end := second.Leaf.NotAfter
	if _, reissued, _ := ca.ServerCertificate(moved, end.Add(-31*24*time.Hour)); reissued {
		t.Errorf("reissued 31 days before expiry")
	}
	third, reissued, err := ca.ServerCertificate(moved, end.Add(-29*24*time.Hour))
	if err != nil || !reissued || !third.Leaf.NotAfter.After(end) {
		t.Errorf("not reissued 29 days before expiry: %v, %v", reissued, err)
	}
}

func TestOpenRefusesHalfACA(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir, t0); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, CAKeyFile))
	if _, err := Open(dir, t0); err == nil {
		t.Fatal("opened a CA whose key is missing")
	}
	if _, err := os.Stat(filepath.Join(dir, CAKeyFile)); err == nil {
		t.Errorf("Open replaced a CA key it did not find")
	}
}

func TestNames(t *testing.T) {
	for _, c := range []struct {
		addr string
		want []string
		not  []string
	}{
		{"127.0.0.1:8080", []string{"localhost", "127.0.0.1", "::1"}, nil},
		{"0.0.0.0:8443", []string{"localhost"}, []string{"0.0.0.0"}},
		{"[::]:8443", nil, []string{"::"}},
		{"192.0.2.5:8443", []string{"192.0.2.5"}, nil},
		{"Iltod.Example.ORG:443", []string{"iltod.example.org"}, nil},
	} {
		got := Names(c.addr)
		for _, w := range c.want {
			if !contains(got, w) {
				t.Errorf("Names(%q) = %v, lacks %s", c.addr, got, w)
			}
		}
		for _, n := range c.not {
			if contains(got, n) {
				t.Errorf("Names(%q) = %v, holds %s", c.addr, got, n)
			}
		}
		for _, a := range LANAddresses() {
			if !contains(got, a) {
				t.Errorf("Names(%q) lacks the interface address %s", c.addr, a)
			}
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestTLSServer serves /healthz over TLS with the issued certificate and reaches it with a
// client that trusts only the CA, by name and by address.
func TestTLSServer(t *testing.T) {
	now := time.Now()
	ca, err := Open(t.TempDir(), now)
	if err != nil {
		t.Fatal(err)
	}
	cert, _, err := ca.ServerCertificate(Names("127.0.0.1:0"), now)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			io.WriteString(w, "ok")
			return
		}
		http.NotFound(w, r)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.PEM())
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	for _, host := range []string{"127.0.0.1", "localhost"} {
		resp, err := client.Get("https://" + net.JoinHostPort(host, port) + "/healthz")
		if err != nil {
			t.Errorf("%s: %v", host, err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "ok" {
			t.Errorf("%s: /healthz said %q", host, body)
		}
	}
	// A client pinning the certificate reaches it by an address the certificate does not
	// name; one pinning another certificate does not.
	pinned := &http.Client{Transport: &http.Transport{TLSClientConfig: PinnedConfig(cert.Certificate[0])}}
	resp, err := pinned.Get("https://" + net.JoinHostPort("127.0.0.1", port) + "/healthz")
	if err != nil {
		t.Errorf("pinned client: %v", err)
	} else {
		resp.Body.Close()
	}
	otherCert, _, err := ca.ServerCertificate([]string{"elsewhere.example"}, now)
	if err != nil {
		t.Fatal(err)
	}
	wrong := &http.Client{Transport: &http.Transport{TLSClientConfig: PinnedConfig(otherCert.Certificate[0])}}
	if _, err := wrong.Get("https://" + net.JoinHostPort("127.0.0.1", port) + "/healthz"); err == nil {
		t.Errorf("a client pinning another certificate reached the server")
	}
	// A client that trusts only the system's roots refuses the server.
	if _, err := http.Get("https://" + net.JoinHostPort("127.0.0.1", port) + "/healthz"); err == nil {
		t.Errorf("a client without the CA trusted the server")
	}
}
