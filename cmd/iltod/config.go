package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/klog/v2"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/sqlstore"
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

func (c *StoreConfig) register(fs *flag.FlagSet, defaultDir string) {
	fs.StringVar(&c.DataDir, "data", env(envDataDir, defaultDir), "data directory for the SQLite store and the log (env "+envDataDir+")")
	fs.StringVar(&c.DSN, "postgres", env(envDSN, ""), "PostgreSQL connection string; when set, elections are kept there (env "+envDSN+" or "+envDSN+"_FILE)")
}

// describe says where the store is without revealing a password.
func (c *StoreConfig) describe() string {
	if c.DSN != "" {
		return "PostgreSQL"
	}
	return "SQLite in " + c.DataDir
}

// open opens the configured store, creating the data directory if needed.
func (c *StoreConfig) open(ctx context.Context) (iltod.Store, error) {
	if c.DSN != "" {
		s, err := sqlstore.OpenPostgres(ctx, c.DSN)
		if err != nil {
			return nil, fmt.Errorf("open PostgreSQL: %w", err)
		}
		return s, nil
	}
	if c.DataDir == "" {
		return nil, usagef("no data directory: give -data DIR or -postgres DSN")
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	s, err := sqlstore.OpenSQLite(ctx, filepath.Join(c.DataDir, SQLiteFile))
	if err != nil {
		return nil, fmt.Errorf("open SQLite: %w", err)
	}
	return s, nil
}

// newLogger returns the process logger: text lines on w at the given level. The log
// engine's own messages (Tessera logs through klog) are routed into it, so the process
// has one log.
func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("-log-level %q: want debug, info, warn or error", level)
	}
	logger := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
	klog.SetSlogLogger(logger.With("component", "tessera"))
	return logger, nil
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer, usageLine string) *flag.FlagSet {
	fs := flag.NewFlagSet("iltod "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: iltod %s %s\n\nFlags:\n", name, usageLine)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args and turns flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}
