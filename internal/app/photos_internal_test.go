package app

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/iltod/iltod"
)

func TestCheckImage(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	var j, p bytes.Buffer
	if err := jpeg.Encode(&j, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(&p, img); err != nil {
		t.Fatal(err)
	}
	chunk := func(typ string, d []byte) []byte {
		out := binary.BigEndian.AppendUint32(nil, uint32(len(d)))
		out = append(append(out, typ...), d...)
		return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[4:]))
	}
	afterIHDR := 8 + 12 + 13
	insert := func(b []byte, at int, x []byte) []byte {
		return append(append(append([]byte{}, b[:at]...), x...), b[at:]...)
	}
	// A PNG whose structure is sound but whose IHDR says nothing sensible.
	badHeader := append(append([]byte{}, p.Bytes()[:8]...), chunk("IHDR", make([]byte, 13))...)
	badHeader = append(badHeader, p.Bytes()[afterIHDR:]...)
	for _, tt := range []struct {
		name string
		b    []byte
		want string // the English message, or the media type of a good image
	}{
		{"jpeg", j.Bytes(), "image/jpeg"},
		{"png", p.Bytes(), "image/png"},
		{"png with text and time", insert(insert(p.Bytes(), afterIHDR, chunk("tIME", make([]byte, 7))), afterIHDR, chunk("tEXt", []byte("GPS\x0047.9,106.9"))),
			"the photo carries metadata (PNG tEXt, PNG tIME)"},
		{"jpeg with two comments", insert(insert(j.Bytes(), 2, []byte{0xff, 0xfe, 0, 3, 'a'}), 2, []byte{0xff, 0xfe, 0, 3, 'b'}),
			"the photo carries metadata (JPEG COM)"},
		{"png with a nonsense header", badHeader, "the photo is not a well-formed PNG image"},
		{"jpeg cut short", j.Bytes()[:len(j.Bytes())/2], "the photo is not a well-formed JPEG image"},
		{"gif", []byte("GIF89a"), "the photo is neither a JPEG nor a PNG image"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			format, err := checkImage(tt.b)
			if err == nil {
				if format.MediaType() != tt.want {
					t.Errorf("accepted as %q, want %q", format.MediaType(), tt.want)
				}
				return
			}
			if iltod.ErrorCodeOf(err) != iltod.EInvalid || !strings.HasPrefix(iltod.ErrorMessageIn(err, "en"), tt.want) {
				t.Errorf("refused with %v (%s), want %q", err, iltod.ErrorCodeOf(err), tt.want)
			}
		})
	}
}
