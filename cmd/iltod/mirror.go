package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	iltodhttp "github.com/iltod/iltod/internal/http"
	"github.com/iltod/iltod/internal/mirror"
	"github.com/iltod/iltod/locales"
)

// runMirror follows an origin's log, keeps a verified copy in -dir, serves it read-only
// at -addr under the same paths, and relays observers' reports to the origin (see
// docs/mirror.md and package mirror).
func runMirror(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "mirror", stderr, "-vkey FILE [-witness-policy FILE] [-dir DIR] [-addr ADDR] URL", "cli.mirror.about")
	var tf trustFlags
	tf.vkey = fs.String("vkey", "", "cli.flag.vkey")
	tf.policy = fs.String("witness-policy", "", "cli.mirror.flag_policy")
	dir := fs.String("dir", "mirror", "cli.mirror.flag_dir")
	addr := fs.String("addr", "127.0.0.1:8090", "cli.mirror.flag_addr")
	interval := fs.Duration("interval", 2*time.Second, "cli.mirror.flag_interval")
	backoff := fs.Duration("max-backoff", time.Minute, "cli.mirror.flag_max_backoff")
	level := fs.String("log-level", "info", "cli.flag.log_level")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("cli.mirror.one_url", nil)
	}
	v, err := tf.verifier()
	if err != nil {
		return err
	}
	logger, err := newLogger(stderr, *level)
	if err != nil {
		return err
	}
	m, err := mirror.Open(mirror.Config{Origin: fs.Arg(0), Dir: *dir, Verifier: v, Logger: logger, Interval: *interval, MaxBackoff: *backoff})
	if err != nil {
		return fail("cli.mirror.open", locales.Args{"Err": err})
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", *addr)
	if err != nil {
		return fail("cli.mirror.listen", locales.Args{"Addr": *addr, "Err": err})
	}
	srv := &http.Server{
		Handler:           m.Handler(),
		ReadHeaderTimeout: iltodhttp.ReadHeaderTimeout,
		ReadTimeout:       iltodhttp.ReadTimeout,
		WriteTimeout:      iltodhttp.WriteTimeout,
		IdleTimeout:       iltodhttp.IdleTimeout,
		MaxHeaderBytes:    iltodhttp.MaxHeaderBytes,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		m.Run(ctx)
		close(done)
	}()
	fmt.Fprintln(stdout, "iltod: "+p.T("cli.mirror.serving", locales.Args{"Origin": m.Origin(), "Dir": *dir, "URL": "http://" + ln.Addr().String() + "/"}))
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	cancel()
	sctx, stop := context.WithTimeout(context.Background(), iltodhttp.ShutdownTimeout)
	defer stop()
	srv.Shutdown(sctx)
	<-done
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
