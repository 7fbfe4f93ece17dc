package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/evidence"
	"github.com/iltod/iltod/internal/gateway"
	iltodhttp "github.com/iltod/iltod/internal/http"
	"github.com/iltod/iltod/internal/ledger"
	"github.com/iltod/iltod/internal/localca"
	"github.com/iltod/iltod/locales"
)

// ServeConfig configures a running server.
type ServeConfig struct {
	Store    StoreConfig
	Addr     string
	LogLevel string
	// Origin names the transparency log; it never changes once the log exists.
	Origin string
	// PolicyFile, if set, is a tlog-policy naming the witnesses that must cosign.
	PolicyFile string
	// TLS says whether and how the server speaks HTTPS.
	TLS TLSConfig
	// GatewaysFile, if set, configures the SMS and messenger gateways (docs/sms-gateways.md).
	GatewaysFile string
	// RecipientsFile, if set, names the age recipients evidence is sealed to on arrival
	// (docs/evidence.md); without it, channels refuse evidence.
	RecipientsFile string
	// Mirrors, if set, lists the base URLs of the mirrors that relay reports here,
	// separated by commas; the observer app falls back to them (docs/mirror.md).
	Mirrors string
}

func (c *ServeConfig) register(fs *flag.FlagSet, defaultAddr, defaultOrigin string) {
	fs.StringVar(&c.Addr, "addr", env(envAddr, defaultAddr), "cli.flag.addr")
	fs.StringVar(&c.LogLevel, "log-level", "info", "cli.flag.log_level")
	fs.StringVar(&c.Origin, "origin", env(envOrigin, defaultOrigin), "cli.flag.origin")
	fs.StringVar(&c.PolicyFile, "witness-policy", env(envPolicy, ""), "cli.flag.witness_policy")
	c.TLS.register(fs)
	fs.StringVar(&c.GatewaysFile, "gateways", env(envGateways, ""), "cli.gateways.flag")
	fs.StringVar(&c.RecipientsFile, "evidence-recipients", env(envRecipients, ""), "cli.evidence.flag_serve_recipients")
	fs.StringVar(&c.Mirrors, "mirrors", env(envMirrors, ""), "cli.mirror.flag_mirrors")
}

// LogDir and LogKeyFile are where the transparency log lives inside the data directory.
const (
	LogDir     = "log"
	LogKeyFile = "log.key"
)

// Main is a running iltod server: the store, the app over it, and the HTTP server. Tests
// start the real thing on 127.0.0.1:0 with a temporary data directory.
type Main struct {
	Config ServeConfig
	Logger *slog.Logger

	// Set by Open.
	Store  iltod.Store
	App    *app.App
	Ledger *ledger.Ledger
	// Set by Serve.
	Addr net.Addr
	// Cert is the certificate the server presents when it speaks HTTPS; CA is the local
	// CA that issued it with -tls-auto. Both are set by Serve.
	Cert *tls.Certificate
	CA   *localca.CA

	cancel context.CancelFunc
	done   <-chan error
}

// Open opens the store and the app. Close releases them.
func (m *Main) Open(ctx context.Context) error {
	if m.Logger == nil {
		m.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := m.Config.Store.open(ctx)
	if err != nil {
		return err
	}
	m.Store = s
	m.App = app.New(s, m.Logger)
	dir := m.Config.Store.DataDir
	if dir == "" {
		return usageErr("cli.serve.log_dir", nil)
	}
	var policy []byte
	if m.Config.PolicyFile != "" {
		if policy, err = os.ReadFile(m.Config.PolicyFile); err != nil {
			return fail("cli.error.read_policy", locales.Args{"Err": err})
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fail("cli.store.mkdir", locales.Args{"Err": err})
	}
	l, err := ledger.Open(ctx, ledger.Config{
		Dir:     filepath.Join(dir, LogDir),
		KeyFile: filepath.Join(dir, LogKeyFile),
		Origin:  m.Config.Origin,
		Policy:  policy,
		Logger:  m.Logger,
		// The store is the one source of truth: on PostgreSQL several instances
		// share it and take turns at signing (docs/cluster.md); on SQLite this
		// instance always signs.
		Cluster: s,
	}, s)
	if err != nil {
		return fail("cli.serve.open_log", locales.Args{"Err": err})
	}
	m.Ledger = l
	m.App.SetLog(l)
	if m.Config.RecipientsFile != "" {
		f, err := os.Open(m.Config.RecipientsFile)
		if err != nil {
			return fail("cli.evidence.read_recipients", locales.Args{"Err": err})
		}
		rs, err := evidence.ParseRecipients(f)
		f.Close()
		if err != nil {
			return fail("cli.evidence.read_recipients", locales.Args{"Err": err})
		}
		m.App.SetEvidenceRecipients(rs)
	}
	return nil
}

// Serve starts the HTTP server in the background and returns once it listens; Addr then
// holds its address.
func (m *Main) Serve(ctx context.Context) error {
	ctx, m.cancel = context.WithCancel(ctx)
	srv := iltodhttp.NewServer(m.App, m.Logger)
	if m.Ledger != nil {
		srv.SetLog(m.Ledger.Handler())
	}
	if m.Config.GatewaysFile != "" {
		gw, err := gateway.ReadConfig(m.Config.GatewaysFile)
		if err != nil {
			m.cancel()
			return fail("cli.gateways.read", locales.Args{"Err": err})
		}
		srv.SetGateways(gw)
	}
	if m.Config.Mirrors != "" {
		if err := srv.SetMirrors(strings.Split(m.Config.Mirrors, ",")); err != nil {
			m.cancel()
			return err
		}
	}
	if err := m.setUpTLS(srv, time.Now()); err != nil {
		m.cancel()
		return err
	}
	addr, done, err := srv.Start(ctx, m.Config.Addr)
	if err != nil {
		m.cancel()
		return err
	}
	m.Addr, m.done = addr, done
	return nil
}

// Wait blocks until the server stops, and returns why.
func (m *Main) Wait() error {
	if m.done == nil {
		return nil
	}
	return <-m.done
}

// Close stops the server and waits for requests in flight, commits the reports already
// queued, lets the log catch up with the store, and closes the store, in that order.
func (m *Main) Close() error {
	var errs []error
	if m.cancel != nil {
		m.cancel()
		errs = append(errs, m.Wait())
		m.cancel = nil
	}
	if m.App != nil {
		errs = append(errs, m.App.Close())
		m.App = nil
	}
	if m.Ledger != nil {
		errs = append(errs, m.Ledger.Close())
		m.Ledger = nil
	}
	if m.Store != nil {
		errs = append(errs, m.Store.Close())
		m.Store = nil
	}
	return errors.Join(errs...)
}

// URL returns the server's base URL, e.g. "http://127.0.0.1:8080/", or "https://…" when
// it speaks HTTPS. A server listening on every interface (0.0.0.0 or ::) is named
// localhost, which reaches it from this machine and which its -tls-auto certificate names.
func (m *Main) URL() string {
	addr := m.Addr.String()
	if host, port, err := net.SplitHostPort(addr); err == nil {
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			addr = net.JoinHostPort("localhost", port)
		}
	}
	return fmt.Sprintf("%s://%s/", m.scheme(), addr)
}

func (m *Main) scheme() string {
	if m.Cert != nil {
		return "https"
	}
	return "http"
}

// serverGCPercent is the GOGC a server runs with unless the environment sets GOGC: a
// collection when the heap has grown to five times what was live after the last one,
// not twice. Ingest allocates for every report it reads and answers, and its live heap
// is small (tens of megabytes), so at Go's default of 100 the collector ran every few
// milliseconds on election-night load and took a tenth of the CPU (pprof of
// BenchmarkIngest); a few hundred megabytes more buy that back.
const serverGCPercent = 400

// tuneServerGC sets the collector for a server process, unless GOGC is set, and
// returns what puts it back.
func tuneServerGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	prev := debug.SetGCPercent(serverGCPercent)
	return func() { debug.SetGCPercent(prev) }
}

func runServe(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "serve", stderr, "[flags]", "")
	var c ServeConfig
	c.Store.register(fs, "data")
	c.register(fs, "127.0.0.1:8080", "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if c.Origin == "" {
		return usageErr("cli.serve.origin", nil)
	}
	logger, err := newLogger(stderr, c.LogLevel)
	if err != nil {
		return err
	}
	defer tuneServerGC()()
	m := &Main{Config: c, Logger: logger}
	defer m.Close()
	if err := m.Open(ctx); err != nil {
		return err
	}
	if err := m.Serve(ctx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "iltod: "+p.T("cli.serve.serving", locales.Args{"URL": m.URL(), "Store": c.Store.describe(p)}))
	if m.CA != nil {
		fmt.Fprintln(stdout, "iltod: "+p.T("cli.phone.ca", locales.Args{"File": filepath.Join(m.CA.Dir, localca.CACertFile), "URL": m.phoneBase() + "tls/ca.crt"}))
	}
	return m.Wait()
}
