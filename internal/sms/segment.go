package sms

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The encodings of an SMS, as Segment names them.
const (
	GSM7 = "GSM-7"
	UCS2 = "UCS-2"
)

// The size of one segment (a single, unconcatenated SMS) in each encoding's units.
const (
	GSM7Units = 160
	UCS2Units = 70
)

// gsmBasic is the GSM 03.38 default alphabet (less the escape to the extension table);
// each of its characters takes one unit. gsmExtension are the characters of the
// extension table, which take two (the escape and the character).
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtension = "\f^{}\\[~]|€"
)

// Segment returns how text would be sent: GSM-7 if every character is in the GSM
// alphabet, with units the septets it takes (two for a character of the extension
// table); UCS-2 otherwise, with units its UTF-16 code units.
func Segment(text string) (encoding string, units int) {
	n := 0
	for _, r := range text {
		switch {
		case strings.ContainsRune(gsmBasic, r):
			n++
		case strings.ContainsRune(gsmExtension, r):
			n += 2
		default:
			return UCS2, len(utf16.Encode([]rune(text)))
		}
	}
	return GSM7, n
}

// Limit returns the units of one segment in the encoding.
func Limit(encoding string) int {
	if encoding == GSM7 {
		return GSM7Units
	}
	return UCS2Units
}

// Fit returns text cut to one segment: unchanged if it fits (160 GSM-7 characters, or 70
// UCS-2 units when it is not GSM-7); otherwise as much of it as fits before "..." (GSM-7)
// or "…" (UCS-2), cut between characters.
func Fit(text string) string {
	enc, units := Segment(text)
	if units <= Limit(enc) {
		return text
	}
	tail := "…"
	if enc == GSM7 {
		tail = "..."
	}
	_, tailUnits := Segment(tail)
	if enc == GSM7 {
		tailUnits = 3
	}
	budget := Limit(enc) - tailUnits
	used, end := 0, 0
	for i, r := range text {
		u := 1
		switch {
		case enc == UCS2 && r > 0xFFFF:
			u = 2
		case enc == GSM7 && strings.ContainsRune(gsmExtension, r):
			u = 2
		}
		if used+u > budget {
			break
		}
		used += u
		end = i + utf8.RuneLen(r)
	}
	return strings.TrimRight(text[:end], " ") + tail
}
