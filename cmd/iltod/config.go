package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"k8s.io/klog/v2"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/sqlstore"
	"github.com/iltod/iltod/locales"
)

// StoreConfig says where elections are kept: PostgreSQL when DSN is set, otherwise SQLite
// in DataDir.
type StoreConfig struct {
	DataDir string
	DSN     string
}

// SQLiteFile is the name of the SQLite database inside the data directory.
const SQLiteFile = "iltod.db"

// Environment variables read as flag defaults. A *_FILE variant names a file holding the
// value, so secrets need not sit in the environment.
const (
	envDataDir = "ILTOD_DATA"
	envDSN     = "ILTOD_POSTGRES"
	envAddr    = "ILTOD_ADDR"
	envOrigin  = "ILTOD_LOG_ORIGIN"
	envPolicy  = "ILTOD_WITNESS_POLICY"
	envTLSCert = "ILTOD_TLS_CERT"
	envTLSKey  = "ILTOD_TLS_KEY"
	envTLSAuto = "ILTOD_TLS_AUTO"
	// envGateways names the SMS and messenger gateways' configuration file.
	envGateways = "ILTOD_GATEWAYS"
	// envRecipients names the file of age recipients evidence is sealed to.
	envRecipients = "ILTOD_EVIDENCE_RECIPIENTS"
	// envMirrors lists the mirrors' base URLs, separated by commas.
	envMirrors = "ILTOD_MIRRORS"
)

// env returns the value of name, or of the file named by name_FILE, or def.
func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	if f := os.Getenv(name + "_FILE"); f != "" {
		if b, err := os.ReadFile(f); err == nil {
			return strings.TrimSpace(string(b))
		}
	}
	return def
}

// envBool returns the boolean value of name (as strconv.ParseBool reads it, e.g. "1" or
// "true"), or false if it is unset or unreadable.
func envBool(name string) bool {
	v, _ := strconv.ParseBool(env(name, ""))
	return v
}

func (c *StoreConfig) register(fs *flag.FlagSet, defaultDir string) {
	fs.StringVar(&c.DataDir, "data", env(envDataDir, defaultDir), "cli.flag.data")
	fs.StringVar(&c.DSN, "postgres", env(envDSN, ""), "cli.flag.postgres")
}

// describe says where the store is, in p's language, without revealing a password.
func (c *StoreConfig) describe(p *locales.Printer) string {
	if c.DSN != "" {
		return "PostgreSQL"
	}
	return p.T("cli.store.sqlite", locales.Args{"Dir": c.DataDir})
}

// open opens the configured store, creating the data directory if needed.
func (c *StoreConfig) open(ctx context.Context) (iltod.Store, error) {
	if c.DSN != "" {
		s, err := sqlstore.OpenPostgres(ctx, c.DSN)
		if err != nil {
			return nil, fail("cli.store.open_postgres", locales.Args{"Err": err})
		}
		return s, nil
	}
	if c.DataDir == "" {
		return nil, usageErr("cli.store.no_data", nil)
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, fail("cli.store.mkdir", locales.Args{"Err": err})
	}
	s, err := sqlstore.OpenSQLite(ctx, filepath.Join(c.DataDir, SQLiteFile))
	if err != nil {
		return nil, fail("cli.store.open_sqlite", locales.Args{"Err": err})
	}
	return s, nil
}

// newLogger returns the process logger: text lines on w at the given level. The log
// engine's own messages (Tessera logs through klog) are routed into it, so the process
// has one log.
func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, usageErr("cli.error.log_level", locales.Args{"Value": fmt.Sprintf("%q", level)})
	}
	logger := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
	tesseraLog.Store(logger.With("component", "tessera"))
	return logger, nil
}

// tesseraLog is where Tessera's klog lines go: the logger of the command running, or
// nowhere before one starts. klog's own logger is a process-wide variable that Tessera's
// goroutines read without a lock, so it is set once, when the program starts, to
// klogForward, and a command changes only this pointer.
var tesseraLog atomic.Pointer[slog.Logger]

func init() { klog.SetSlogLogger(slog.New(klogForward{})) }

// klogForward is a slog.Handler that passes each record to tesseraLog's handler, with
// the attributes and groups added on the way.
type klogForward struct {
	ops []func(slog.Handler) slog.Handler
}

func (h klogForward) target() slog.Handler {
	lg := tesseraLog.Load()
	if lg == nil {
		return nil
	}
	t := lg.Handler()
	for _, op := range h.ops {
		t = op(t)
	}
	return t
}

func (h klogForward) Enabled(ctx context.Context, l slog.Level) bool {
	t := h.target()
	return t != nil && t.Enabled(ctx, l)
}

func (h klogForward) Handle(ctx context.Context, r slog.Record) error {
	if t := h.target(); t != nil {
		return t.Handle(ctx, r)
	}
	return nil
}

func (h klogForward) WithAttrs(as []slog.Attr) slog.Handler {
	return klogForward{append(slices.Clip(h.ops), func(t slog.Handler) slog.Handler { return t.WithAttrs(as) })}
}

func (h klogForward) WithGroup(name string) slog.Handler {
	return klogForward{append(slices.Clip(h.ops), func(t slog.Handler) slog.Handler { return t.WithGroup(name) })}
}
