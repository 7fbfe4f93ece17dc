package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/iltod/iltod/internal/tabular"

	"github.com/iltod/iltod/locales"
)

// output is how an analysis command prints: a table for people by default, or JSON or
// CSV for machines.
type output struct {
	json, csv bool
}

func (o *output) register(fs *flag.FlagSet) {
	fs.BoolVar(&o.json, "json", false, "cli.flag.json")
	fs.BoolVar(&o.csv, "csv", false, "cli.flag.csv")
}

func (o *output) check() error {
	if o.json && o.csv {
		return usageErr("cli.error.json_csv", nil)
	}
	return nil
}

// format is the tabular format the output flags ask for.
func (o *output) format() tabular.Format {
	switch {
	case o.json:
		return tabular.JSON
	case o.csv:
		return tabular.CSV
	}
	return tabular.Text
}

// print writes t as the output asks; for JSON it writes v if not nil, else the rows as
// objects keyed by the header.
func (o *output) print(w io.Writer, t *tabular.Table, v any) error {
	return tabular.Print(w, o.format(), t, v)
}

// notes prints plain-language notes under a table, after a blank line and an optional
// heading; JSON and CSV output leave them out (they carry the notes in their data).
func (o *output) notes(w io.Writer, heading string, notes []string) {
	tabular.Notes(w, o.format(), heading, notes)
}

// progress shows a long step on stderr while it runs, when stderr is a terminal: its name,
// then its elapsed time once it ends, in p's language. Elsewhere (a pipe, a test) it is
// silent.
type progress struct {
	p     *locales.Printer
	w     io.Writer
	on    bool
	name  string
	start time.Time
	done  chan struct{}
	ended chan struct{}
}

// startProgress begins showing the step name, written in lang's words, on w if w is a
// terminal.
func startProgress(lang *locales.Printer, w io.Writer, name string) *progress {
	p := &progress{p: lang, w: w, name: name, start: time.Now(), done: make(chan struct{}), ended: make(chan struct{})}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.on = true
		}
	}
	if !p.on {
		close(p.ended)
		return p
	}
	go func() {
		defer close(p.ended)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		spin := `|/-\`
		for i := 0; ; i++ {
			select {
			case <-p.done:
				done := p.p.T("cli.progress.done", locales.Args{"Step": p.name, "Elapsed": time.Since(p.start).Round(time.Millisecond).String()})
				fmt.Fprintf(p.w, "\r%s\033[K\n", done)
				return
			case <-tick.C:
				fmt.Fprintf(p.w, "\r%s %c %s\033[K", p.name, spin[i%4], time.Since(p.start).Round(time.Second))
			}
		}
	}()
	return p
}

// stop ends the display.
func (p *progress) stop() {
	select {
	case <-p.done:
	default:
		close(p.done)
	}
	<-p.ended
}
