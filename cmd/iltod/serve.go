package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	iltodhttp "github.com/iltod/iltod/internal/http"
)

// ServeConfig configures a running server.
type ServeConfig struct {
	Store    StoreConfig
	Addr     string
	LogLevel string
}

func (c *ServeConfig) register(fs interface {
	StringVar(p *string, name, value, usage string)
}, defaultAddr string) {
	fs.StringVar(&c.Addr, "addr", env(envAddr, defaultAddr), "address to listen on; port 0 picks a free one (env "+envAddr+")")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
}

// Main is a running iltod server: the store, the app over it, and the HTTP server. Tests
// start the real thing on 127.0.0.1:0 with a temporary data directory.
type Main struct {
	Config ServeConfig
	Logger *slog.Logger

	// Set by Open.
	Store iltod.Store
	App   *app.App
	// Set by Serve.
	Addr net.Addr

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
	return nil
}

// Serve starts the HTTP server in the background and returns once it listens; Addr then
// holds its address.
func (m *Main) Serve(ctx context.Context) error {
	ctx, m.cancel = context.WithCancel(ctx)
	addr, done, err := iltodhttp.NewServer(m.App, m.Logger).Start(ctx, m.Config.Addr)
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

// Close stops the server, waits for requests in flight, and closes the store.
func (m *Main) Close() error {
	var errs []error
	if m.cancel != nil {
		m.cancel()
		errs = append(errs, m.Wait())
	}
	if m.Store != nil {
		errs = append(errs, m.Store.Close())
	}
	return errors.Join(errs...)
}

// URL returns the server's base URL, e.g. "http://127.0.0.1:8080/".
func (m *Main) URL() string { return fmt.Sprintf("http://%s/", m.Addr) }

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr, "[flags]")
	var c ServeConfig
	c.Store.register(fs, "data")
	c.register(fs, "127.0.0.1:8080")
	if err := parse(fs, args); err != nil {
		return err
	}
	logger, err := newLogger(stderr, c.LogLevel)
	if err != nil {
		return err
	}
	m := &Main{Config: c, Logger: logger}
	defer m.Close()
	if err := m.Open(ctx); err != nil {
		return err
	}
	if err := m.Serve(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "iltod serving %s from %s\n", m.URL(), c.Store.describe())
	return m.Wait()
}
