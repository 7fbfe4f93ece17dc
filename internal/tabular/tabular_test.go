package tabular

import (
	"bytes"
	"strings"
	"testing"

	"github.com/iltod/iltod/locales"
)

var en, mn = locales.For("en"), locales.For("mn")

// sample is a table with a cell of every kind, headed in lang.
func sample(p *locales.Printer) *Table {
	tb := New(p, "choice", "share", "votes")
	tb.Add("A", Share(0.52349), 1234567)
	tb.Add(Code("consistent"), 0.25, int64(7))
	tb.Add(Words{Code("tied"), Code("in_runoff")}, Number{X: 1.5, Decimals: 1, Sign: true}, Word{Code: "no-such", Key: "cli." + "no_such_message"}) // a key the catalogue lacks
	return tb
}

func TestPrint(t *testing.T) {
	for _, c := range []struct {
		name string
		f    Format
		v    any
		want string
	}{
		{"text", Text, nil, "choice               share   votes\n" +
			"A                    52.35%  1,234,567\n" +
			"consistent           0.2500  7\n" +
			"tied, in the runoff  +1.5    no-such\n"},
		{"csv", CSV, nil, "choice,share,votes\nA,0.52349,1234567\nconsistent,0.2500,7\n\"tied,in_runoff\",+1.5,no-such\n"},
		{"json rows", JSON, nil, `[
  {
    "choice": "A",
    "share": "0.52349",
    "votes": "1234567"
  },
  {
    "choice": "consistent",
    "share": "0.2500",
    "votes": "7"
  },
  {
    "choice": "tied,in_runoff",
    "share": "+1.5",
    "votes": "no-such"
  }
]
`},
		{"json value", JSON, map[string]int{"seats": 3}, "{\n  \"seats\": 3\n}\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Print(&b, c.f, sample(en), c.v); err != nil {
				t.Fatal(err)
			}
			if b.String() != c.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), c.want)
			}
		})
	}
}

// TestMachineOutputIsLanguageNeutral checks that what programs read, CSV and JSON rows,
// is the same whatever the language of the table, while the text table speaks it.
func TestMachineOutputIsLanguageNeutral(t *testing.T) {
	for _, f := range []Format{CSV, JSON} {
		var a, b bytes.Buffer
		if err := Print(&a, f, sample(en), nil); err != nil {
			t.Fatal(err)
		}
		if err := Print(&b, f, sample(mn), nil); err != nil {
			t.Fatal(err)
		}
		if a.String() != b.String() {
			t.Errorf("format %d differs between English and Mongolian:\n%s\n%s", f, a.String(), b.String())
		}
		if strings.Contains(a.String(), "1,234,567") {
			t.Errorf("format %d groups digits:\n%s", f, a.String())
		}
	}
	var text bytes.Buffer
	if err := Print(&text, Text, sample(mn), nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{mn.T("cli.column.choice"), mn.T("cli.code.consistent"), mn.T("cli.code.tied")} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the Mongolian table lacks %q:\n%s", want, text.String())
		}
	}
	if strings.Contains(text.String(), "consistent") || strings.Contains(text.String(), "choice") {
		t.Errorf("the Mongolian table holds English words:\n%s", text.String())
	}
}

func TestSectionAndNotes(t *testing.T) {
	var b bytes.Buffer
	tb := &Table{Header: []string{"a", "b"}}
	tb.Add("1", "2")
	if err := Section(&b, "Title:", tb); err != nil {
		t.Fatal(err)
	}
	Notes(&b, Text, "Heading:", []string{"one", "two"})
	Notes(&b, CSV, "Heading:", []string{"left out"})
	Notes(&b, JSON, "", []string{"left out"})
	Notes(&b, Text, "Never:", nil)
	if want := "\nTitle:\na  b\n1  2\n\nHeading:\none\ntwo\n"; b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
}

func TestNumbers(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Percent(en, 0.60617), "60.62%"},
		{Percent(en, 0), "0.00%"},
		{Interval(en, 0.511, 0.5358), "51.10–53.58%"},
		{Interval(mn, 0.511, 0.5358), "51.10–53.58%"},
		{cell(Share(0.5806451612903226), en), "58.06%"},
		{cell(Share(0.5806451612903226), nil), "0.58064516"},
		{cell(Number{X: -0.25, Decimals: 2, Sign: true}, en), "-0.25"},
		{cell(12345, en), "12,345"},
		{cell(12345, nil), "12345"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if Text.Machine() || !JSON.Machine() || !CSV.Machine() {
		t.Error("Machine: want JSON and CSV only")
	}
}

// TestHeadings checks that every column has a heading in every language, and that the
// headings differ from the machine names in Mongolian (they are translated).
func TestHeadings(t *testing.T) {
	for name, key := range headings {
		if !locales.Has(key) {
			t.Errorf("column %q: no message %s", name, key)
		}
	}
	if Heading(mn, "station") == "station" {
		t.Error("the Mongolian heading of station is the English name")
	}
}
