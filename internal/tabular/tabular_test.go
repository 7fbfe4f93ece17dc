package tabular

import (
	"bytes"
	"testing"
)

func TestPrint(t *testing.T) {
	tb := &Table{Header: []string{"choice", "share", "votes"}}
	tb.Add("A", Percent(0.52349), 1080)
	tb.Add("Party B", 0.25, int64(7))
	for _, c := range []struct {
		name string
		f    Format
		v    any
		want string
	}{
		{"text", Text, nil, "choice   share   votes\nA        52.35%  1080\nParty B  0.2500  7\n"},
		{"csv", CSV, nil, "choice,share,votes\nA,52.35%,1080\nParty B,0.2500,7\n"},
		{"json rows", JSON, nil, `[
  {
    "choice": "A",
    "share": "52.35%",
    "votes": "1080"
  },
  {
    "choice": "Party B",
    "share": "0.2500",
    "votes": "7"
  }
]
`},
		{"json value", JSON, map[string]int{"seats": 3}, "{\n  \"seats\": 3\n}\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Print(&b, c.f, tb, c.v); err != nil {
				t.Fatal(err)
			}
			if b.String() != c.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), c.want)
			}
		})
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
		{Percent(0.60617), "60.62%"},
		{Percent(0), "0.00%"},
		{Interval(0.511, 0.5358), "51.10–53.58%"},
		{Text.Fraction(0.5806451612903226), "58.06%"},
		{JSON.Fraction(0.5806451612903226), "58.06%"},
		{CSV.Fraction(0.5806451612903226), "0.58064516"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if Text.Machine() || !JSON.Machine() || !CSV.Machine() {
		t.Error("Machine: want JSON and CSV only")
	}
}
