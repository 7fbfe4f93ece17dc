package tlog_test

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/iltod/iltod/tlog"
)

func seedFile(f *testing.F, path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	return b
}

func FuzzParseReceipt(f *testing.F) {
	r := seedFile(f, "testdata/example/receipt.tlog-proof")
	f.Add(bytes.Replace(r, []byte("index 1"), []byte("index 01"), 1))
	f.Add([]byte("c2sp.org/tlog-proof@v1\nextra eA==\nindex 0\n\nx\n"))
	f.Add([]byte("c2sp.org/tlog-proof@v1\nindex 0\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := tlog.ParseReceipt(b)
		if err != nil {
			return
		}
		if out := r.Marshal(); !bytes.Equal(out, b) {
			t.Fatalf("ParseReceipt(%q).Marshal() = %q", b, out)
		}
	})
}

func FuzzVerifyReceipt(f *testing.F) {
	vkey, _ := os.ReadFile("testdata/example/log.vkey")
	v, err := tlog.NewVerifier(string(vkey), nil)
	if err != nil {
		f.Fatal(err)
	}
	seedFile(f, "testdata/example/receipt.tlog-proof")
	seedFile(f, "testdata/example/promise.txt")
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := v.VerifyReceipt(b)
		if err == nil && res == nil {
			t.Fatal("no result and no error")
		}
		if err != nil {
			if _, ok := err.(*tlog.Error); !ok {
				t.Fatalf("error %T, want *tlog.Error", err)
			}
		}
	})
}

func FuzzParsePromiseText(f *testing.F) {
	p := seedFile(f, "testdata/example/promise.txt")
	text, _, _ := bytes.Cut(p, []byte("\n\n"))
	f.Add(append(text, '\n'))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := tlog.ParsePromiseText(b)
		if err != nil {
			return
		}
		if out := p.Text(); !bytes.Equal(out, b) {
			t.Fatalf("ParsePromiseText(%q).Text() = %q", b, out)
		}
	})
}

func FuzzParseLeaf(f *testing.F) {
	f.Add([]byte(`{"e":"mn-2024","h":"3d4f2bf07dc1be38b20cd6e46949a1071f9d0e3d2b1f0e2c3d4e5f60718293a4","n":17,"t":"report"}`))
	f.Add([]byte(`{"e":"a","h":"0000000000000000000000000000000000000000000000000000000000000000","n":9007199254740991,"t":"x"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"e":"","h":"0000000000000000000000000000000000000000000000000000000000000000","n":1,"t":"install"}`))
	f.Add([]byte(`{"e":"-a","h":"0000000000000000000000000000000000000000000000000000000000000000","n":01,"t":"9x"}`))
	// The regular expressions ParseLeaf was written with: it accepts what they accept,
	// and no more.
	var (
		electionRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
		kindRe     = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
		leafRe     = regexp.MustCompile(`^\{"e":"([^"\\]*)","h":"([0-9a-f]{64})","n":([1-9][0-9]{0,15}),"t":"([^"\\]*)"\}$`)
	)
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := tlog.ParseLeaf(b)
		m := leafRe.FindSubmatch(b)
		want := len(b) <= tlog.MaxLeafSize && m != nil && (len(m[1]) == 0 || electionRe.Match(m[1])) && kindRe.Match(m[4])
		// The regular expressions' form may still be refused for what it means.
		if e := fmt.Sprint(err); want && err != nil && !strings.Contains(e, "2^53") && !strings.Contains(e, "no election") && !strings.Contains(e, "canonical") {
			t.Fatalf("ParseLeaf(%q) = %v; the regular expressions accept it", b, err)
		}
		if err != nil {
			return
		}
		if !want {
			t.Fatalf("ParseLeaf(%q) accepted what the regular expressions refuse", b)
		}
		if out := l.Marshal(); !bytes.Equal(out, b) {
			t.Fatalf("ParseLeaf(%q).Marshal() = %q", b, out)
		}
	})
}

func FuzzParsePolicy(f *testing.F) {
	vkey, _ := os.ReadFile("testdata/example/log.vkey")
	f.Add([]byte("quorum none\n"))
	f.Add([]byte("# c\nlog " + string(bytes.TrimSpace(vkey)) + "\n" +
		"witness a partner-a.example/witness+b78265bb+BBi9l8kXZPNhJtVciYWf9mw96+QzDF8xLbW5n6wpWtk/ https://a.example/w\n" +
		"witness b partner-b.example/witness+171e8f96+BAWft898Tm/sKIUzBQiEuTrEEmTUpFzmb+VI0d73OOxy\n" +
		"group g 1 a b\n\tgroup h all g\nquorum h\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := tlog.ParsePolicy(b)
		if err != nil {
			return
		}
		m := p.Marshal()
		q, err := tlog.ParsePolicy(m)
		if err != nil {
			t.Fatalf("Marshal of a parsed policy does not parse: %v\n%q", err, m)
		}
		if !bytes.Equal(q.Marshal(), m) {
			t.Fatalf("Marshal is not stable:\n%q\n%q", m, q.Marshal())
		}
		if !reflect.DeepEqual(p.Witnesses, q.Witnesses) || !reflect.DeepEqual(p.Groups, q.Groups) || p.Quorum != q.Quorum {
			t.Fatalf("policy changed through Marshal:\n%q", m)
		}
	})
}

func FuzzParseDatasetEnvelope(f *testing.F) {
	lines, err := os.ReadFile("testdata/example/dataset/envelopes.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	for _, l := range bytes.Split(bytes.TrimSpace(lines), []byte("\n")) {
		f.Add(l)
	}
	f.Add([]byte(`{"seq":2,"withheld":"testimony"}`))
	f.Add([]byte(`{"withheld":"testimony","seq":2}`))
	f.Add([]byte(`{"seq":2,"withheld":"secret"}`))
	f.Add([]byte(`{"seq":2,"envelope":"eA==","withheld":"testimony"}`))
	f.Add([]byte(`{"seq":2,"envelope":null,"withheld":"testimony"}`))
	f.Add([]byte(`{"seq":2,"envelope":""}`))
	f.Add([]byte(`{"seq":0,"withheld":"testimony"}`))
	f.Add([]byte(`{"seq":2} {"seq":3}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := tlog.ParseDatasetEnvelope(b)
		if err != nil {
			return
		}
		if e.Seq == 0 || (len(e.Envelope) > 0) == (e.Withheld != "") {
			t.Fatalf("ParseDatasetEnvelope(%q) = %+v: want a seq and exactly one of envelope and withheld", b, e)
		}
		line, err := e.MarshalLine()
		if err != nil {
			t.Fatalf("MarshalLine of a parsed line %q: %v", b, err)
		}
		again, err := tlog.ParseDatasetEnvelope(bytes.TrimSuffix(line, []byte("\n")))
		if err != nil || !reflect.DeepEqual(again, e) {
			t.Fatalf("%q does not parse back to %+v: %+v, %v", line, e, again, err)
		}
	})
}
