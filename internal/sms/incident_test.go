package sms

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func isSev(s string) bool { return s == "L" || s == "M" || s == "H" || s == "C" }

func TestParseIncident(t *testing.T) {
	for _, tc := range []struct {
		text string
		want Incident
		err  Reason
	}{
		{"INC 4821 VB H cash handed out at the gate", Incident{Observer: "4821", Category: "VB", Severity: "H", Text: "cash handed out at the gate"}, ""},
		{"inc4821 vb cash, at the gate", Incident{Observer: "4821", Category: "VB", Text: "cash, at the gate"}, ""},
		// Cyrillic look-alikes in the codes; the narrative keeps its letters.
		{"INC 48O1 1234 #17 МС Н Сэтгүүлчийг баривчилсан", Incident{Observer: "4801", PIN: "1234", Station: "17", Category: "MC", Severity: "H", Text: "Сэтгүүлчийг баривчилсан"}, ""},
		{"INC 4821 # 17 VB Hello there", Incident{Observer: "4821", Station: "17", Category: "VB", Text: "Hello there"}, ""},
		{"INC 4821 VB H", Incident{}, NoText},
		{"INC 4821", Incident{}, NoCategory},
		{"INC", Incident{}, NoObserver},
		{"INC abc VB x", Incident{}, NoObserver},
		{"P 4821 K1 120", Incident{}, NoPrefix},
		{"   ", Incident{}, NoPrefix},
		{"INC 4821 # ", Incident{}, BadStation},
		{"INC 4821 VB " + strings.Repeat("x", MaxText), Incident{}, TooLong},
		{"INC 4821 VB \xff", Incident{}, InvalidUTF8},
	} {
		got, err := ParseIncident(tc.text, isSev)
		if tc.err != "" {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Reason != tc.err {
				t.Errorf("ParseIncident(%.40q) = %+v, %v; want %s", tc.text, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseIncident(%.40q) = %+v, %v; want %+v", tc.text, got, err, tc.want)
		}
		if !IsIncident(tc.text) {
			t.Errorf("IsIncident(%q) = false", tc.text)
		}
	}
	if IsIncident("P 4821 K1 120") || IsIncident("INCA 1 VB x") {
		t.Error("a form's message taken for an incident")
	}
}

// FuzzParseIncident checks that ParseIncident never panics, that what it reads is
// normalised and bounded, and that the narrative is a trimmed part of the text.
func FuzzParseIncident(f *testing.F) {
	for _, s := range []string{"INC 4821 VB H cash handed out", "inc4821 1234 #DD-01.17 mc Сэтгүүлч", "INC 1 # x", "INC", "", "INC 1 VB \xff", "INC,1;VB;H;;x @ y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		m, err := ParseIncident(text, isSev)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || utf8.RuneCountInString(pe.Token) > 16 {
				t.Fatalf("error %v", err)
			}
			return
		}
		if !IsIncident(text) {
			t.Fatalf("parsed %q but IsIncident is false", text)
		}
		if m.Observer == "" || m.Category == "" || m.Text == "" || strings.TrimSpace(m.Text) != m.Text || !strings.Contains(text, m.Text) {
			t.Fatalf("ParseIncident(%q) = %+v", text, m)
		}
		if _, ok := Digits(m.Observer); !ok || Normalize(m.Category) != m.Category || (m.Severity != "" && !isSev(m.Severity)) {
			t.Fatalf("ParseIncident(%q) = %+v: not normalised", text, m)
		}
	})
}
