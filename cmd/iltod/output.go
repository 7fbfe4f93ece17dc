package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// output is how an analysis command prints: a table for people by default, or JSON or
// CSV for machines.
type output struct {
	json, csv bool
}

func (o *output) register(fs *flag.FlagSet) {
	fs.BoolVar(&o.json, "json", false, "print JSON instead of a table")
	fs.BoolVar(&o.csv, "csv", false, "print CSV instead of a table")
}

func (o *output) check() error {
	if o.json && o.csv {
		return usagef("give -json or -csv, not both")
	}
	return nil
}

// table is rows under a header, printed as aligned columns, CSV, or (when v is nil) JSON
// objects keyed by the header.
type table struct {
	header []string
	rows   [][]string
}

func (t *table) add(cells ...any) {
	row := make([]string, len(cells))
	for i, c := range cells {
		switch v := c.(type) {
		case string:
			row[i] = v
		case float64:
			row[i] = fmt.Sprintf("%.4f", v)
		default:
			row[i] = fmt.Sprint(v)
		}
	}
	t.rows = append(t.rows, row)
}

// print writes t as the output asks; for JSON it writes v if not nil, else the rows as
// objects keyed by the header.
func (o *output) print(w io.Writer, t *table, v any) error {
	switch {
	case o.json:
		if v == nil {
			objs := make([]map[string]string, len(t.rows))
			for i, r := range t.rows {
				objs[i] = map[string]string{}
				for j, h := range t.header {
					objs[i][h] = r[j]
				}
			}
			v = objs
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case o.csv:
		cw := csv.NewWriter(w)
		cw.Write(t.header)
		cw.WriteAll(t.rows)
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.header, "\t"))
	for _, r := range t.rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// notes prints plain-language notes under a table, after a blank line and an optional
// heading; JSON and CSV output leave them out (they carry the notes in their data).
func (o *output) notes(w io.Writer, heading string, notes []string) {
	if o.json || o.csv || len(notes) == 0 {
		return
	}
	fmt.Fprintln(w)
	if heading != "" {
		fmt.Fprintln(w, heading)
	}
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
}

// pct formats a fraction as a percentage with two decimals.
func pct(x float64) string { return fmt.Sprintf("%.2f%%", 100*x) }

// interval formats a fractional interval as percentages.
func interval(lo, hi float64) string { return fmt.Sprintf("%.2f–%.2f%%", 100*lo, 100*hi) }

// progress shows a long step on stderr while it runs, when stderr is a terminal: its name,
// then its elapsed time once it ends. Elsewhere (a pipe, a test) it is silent.
type progress struct {
	w     io.Writer
	on    bool
	name  string
	start time.Time
	done  chan struct{}
	ended chan struct{}
}

// startProgress begins showing step name on w if w is a terminal.
func startProgress(w io.Writer, name string) *progress {
	p := &progress{w: w, name: name, start: time.Now(), done: make(chan struct{}), ended: make(chan struct{})}
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
				fmt.Fprintf(p.w, "\r%s: done in %s\033[K\n", p.name, time.Since(p.start).Round(time.Millisecond))
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
