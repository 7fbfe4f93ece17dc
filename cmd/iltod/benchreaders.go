package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/iltod/iltod/internal/loadtest"
	"github.com/iltod/iltod/locales"
)

// readersEnv, set in a process's environment, makes iltod the reader process of a bench
// run (see interleaveApart) instead of a command: main and the tests' TestMain call
// readersMain first.
const readersEnv = "ILTOD_BENCH_READERS"

// readersPlan is what a bench run sends its reader process on standard input: the
// arguments of one loadtest.Interleave (a config's JSON leaves out Measuring).
type readersPlan struct {
	Rounds  int
	Configs []loadtest.Config
}

// The reader process writes one line per event on standard output: "measuring I 1" and
// "measuring I 0" around each measured round of config I, and "results JSON" last.
const (
	readersMeasuring = "measuring "
	readersResults   = "results "
)

// interleaveApart is loadtest.Interleave run by another process of this program, so that
// the readers' own work (their HTTP clients, their thousands of goroutines) is not done
// by the process that serves them: on election night they are on other machines. The
// readers' process shares the cores with the server's, as another machine's clients share
// the network; each config's Measuring is called here as that process measures.
func interleaveApart(ctx context.Context, rounds int, cfgs ...loadtest.Config) ([]loadtest.Result, error) {
	in, err := json.Marshal(readersPlan{Rounds: rounds, Configs: cfgs})
	if err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), readersEnv+"=1")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	var results []loadtest.Result
	sc := bufio.NewScanner(out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, readersMeasuring); ok {
			i, on, ok := strings.Cut(rest, " ")
			n, err := strconv.Atoi(i)
			if !ok || err != nil || n < 0 || n >= len(cfgs) {
				continue
			}
			if m := cfgs[n].Measuring; m != nil {
				m(on == "1")
			}
		} else if rest, ok := strings.CutPrefix(line, readersResults); ok {
			if err := json.Unmarshal([]byte(rest), &results); err != nil {
				return nil, err
			}
		}
	}
	if err := cmd.Wait(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fail("cli.bench_cdn.readers_failed", locales.Args{"Detail": fmt.Sprintf("%v: %s", err, bytes.TrimSpace(stderr.Bytes()))})
	}
	if len(results) != len(cfgs) {
		return nil, fail("cli.bench_cdn.readers_no_results", nil)
	}
	return results, nil
}

// readersMain runs the reader process's side of interleaveApart when the environment
// asks for it (readersEnv), and reports whether it did, with the exit code.
func readersMain(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) (code int, ran bool) {
	if os.Getenv(readersEnv) == "" {
		return 0, false
	}
	var plan readersPlan
	if err := json.NewDecoder(io.LimitReader(stdin, 1<<20)).Decode(&plan); err != nil {
		fmt.Fprintln(stderr, err)
		return 2, true
	}
	w := bufio.NewWriter(stdout)
	event := make(chan string, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range event {
			w.WriteString(e)
			w.Flush()
		}
	}()
	cfgs := plan.Configs
	for i := range cfgs {
		cfgs[i].Measuring = func(on bool) {
			v := "0"
			if on {
				v = "1"
			}
			event <- readersMeasuring + strconv.Itoa(i) + " " + v + "\n"
		}
	}
	rs, err := loadtest.Interleave(ctx, plan.Rounds, cfgs...)
	if err != nil {
		close(event)
		<-done
		fmt.Fprintln(stderr, err)
		return 1, true
	}
	js, _ := json.Marshal(rs)
	event <- readersResults + string(js) + "\n"
	close(event)
	<-done
	return 0, true
}
