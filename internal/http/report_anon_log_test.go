package http

import (
	"bytes"
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/localca"
	"github.com/iltod/iltod/internal/sqlstore"
)

// TestServerLogNamesNoPeer: a client that fails the TLS handshake makes net/http log a
// line that would name it; the server's log keeps the line without the address.
func TestServerLogNamesNoPeer(t *testing.T) {
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
	logs := &syncBuffer{}
	srv := NewServer(app.New(store, nil), slog.New(slog.NewTextHandler(logs, nil)))
	srv.SetTLS(&tls.Config{Certificates: []tls.Certificate{cert}})
	sctx, cancel := context.WithCancel(ctx)
	addr, done, err := srv.Start(sctx, "127.0.0.1:0")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	defer func() { cancel(); <-done }()

	conn, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	peer := conn.LocalAddr().String()
	conn.Write([]byte("not a TLS hello\r\n\r\n"))
	conn.Close()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "TLS handshake error") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	var lines []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "TLS handshake error") {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		t.Fatalf("net/http logged no handshake error; the check would prove nothing:\n%s", logs.String())
	}
	_, port, _ := net.SplitHostPort(peer)
	for _, l := range lines {
		if strings.Contains(l, peer) || strings.Contains(l, "127.0.0.1") || strings.Contains(l, ":"+port) || !strings.Contains(l, "[address]") {
			t.Errorf("the line names the peer %s: %s", peer, l)
		}
	}
}

func TestScrubAddresses(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(scrubAddresses(slog.NewTextHandler(&buf, nil)))
	for _, msg := range []string{
		"http: TLS handshake error from 192.0.2.1:51234: EOF",
		"http2: error from [2001:db8::1]:443: reset",
		"peer 2001:db8:0:0:1:0:0:1 went away",
		"from ::1 and 10.0.0.7",
	} {
		buf.Reset()
		l.Warn(msg, "n", 1)
		out := buf.String()
		for _, ip := range []string{"192.0.2.1", "2001:db8", "::1", "10.0.0.7", "51234"} {
			if strings.Contains(out, ip) {
				t.Errorf("%q logged as %q", msg, out)
			}
		}
		if !strings.Contains(out, "[address]") || !strings.Contains(out, "n=1") {
			t.Errorf("%q logged as %q", msg, out)
		}
	}
	buf.Reset()
	l.Info("http server listening", "addr", "x")
	if !strings.Contains(buf.String(), `msg="http server listening"`) {
		t.Errorf("a line without an address changed: %q", buf.String())
	}
}
