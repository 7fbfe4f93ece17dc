package imagemeta

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"reflect"
	"testing"
)

// picture returns a small image with some detail, so that the JPEG has real entropy-coded
// data (with stuffed 0xFF bytes, likely).
func picture() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), uint8((x ^ y) * 9), 0xff})
		}
	}
	return img
}

func encodeJPEG(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, picture(), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNG(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, picture()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// segment returns a JPEG segment with marker m and payload p.
func segment(m byte, p []byte) []byte {
	out := []byte{0xff, m, 0, 0}
	binary.BigEndian.PutUint16(out[2:], uint16(len(p)+2))
	return append(out, p...)
}

// chunk returns a PNG chunk of type typ with data d and its CRC.
func chunk(typ string, d []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(d)))
	out = append(out, typ...)
	out = append(out, d...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[4:]))
}

// insert returns b with x inserted at i.
func insert(b []byte, i int, x []byte) []byte {
	out := append([]byte{}, b[:i]...)
	out = append(out, x...)
	return append(out, b[i:]...)
}

// exif is the start of a real EXIF segment's payload: "Exif\0\0", then a TIFF header
// with one IFD entry (GPS IFD pointer), and an end-of-image marker inside it, which must
// not end the scan.
var exif = []byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x01\x88\x25\x00\x04\x00\x00\x00\x01\x00\x00\x00\x1a\x00\x00\x00\x00\xff\xd9")

// pngAfterIHDR is the offset just after a PNG's IHDR chunk.
const pngAfterIHDR = 8 + 8 + 13 + 4

func TestScan(t *testing.T) {
	j, p := encodeJPEG(t), encodePNG(t)
	if _, err := jpeg.Decode(bytes.NewReader(insert(j, 2, segment(0xe1, exif)))); err != nil {
		t.Fatalf("the JPEG with EXIF does not decode, so it tests nothing real: %v", err)
	}
	if _, err := png.Decode(bytes.NewReader(insert(p, pngAfterIHDR, chunk("tEXt", []byte("Author\x00Observer 17"))))); err != nil {
		t.Fatalf("the PNG with text does not decode: %v", err)
	}
	iend := len(p) - 12
	for _, tt := range []struct {
		name   string
		b      []byte
		format Format
		want   []Item
	}{
		{"jpeg clean", j, JPEG, nil},
		{"jpeg with JFIF APP0", insert(j, 2, segment(0xe0, []byte("JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x00\x00"))), JPEG, nil},
		{"jpeg with EXIF", insert(j, 2, segment(0xe1, exif)), JPEG, []Item{{"APP1", 2}}},
		{"jpeg with XMP", insert(j, 2, segment(0xe1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta/>"))), JPEG, []Item{{"APP1", 2}}},
		{"jpeg with ICC and comment", insert(insert(j, 2, segment(0xfe, []byte("made on a phone"))), 2, segment(0xe2, []byte("ICC_PROFILE\x00"))), JPEG,
			[]Item{{"APP2", 2}, {"COM", 2 + 4 + 12}}},
		{"jpeg with APP15", insert(j, 2, segment(0xef, nil)), JPEG, []Item{{"APP15", 2}}},
		{"jpeg with fill bytes", insert(j, 2, []byte{0xff, 0xff}), JPEG, nil},
		{"jpeg with a trailer", append(append([]byte{}, j...), "GPS 47.9 106.9"...), JPEG, []Item{{Trailer, len(j)}}},
		{"png clean", p, PNG, nil},
		{"png with tEXt", insert(p, pngAfterIHDR, chunk("tEXt", []byte("Author\x00Observer 17"))), PNG, []Item{{"tEXt", pngAfterIHDR}}},
		{"png with eXIf and tIME", insert(insert(p, pngAfterIHDR, chunk("tIME", []byte{7, 232, 6, 28, 20, 15, 0})), pngAfterIHDR, chunk("eXIf", exif[6:])), PNG,
			[]Item{{"eXIf", pngAfterIHDR}, {"tIME", pngAfterIHDR + 12 + len(exif) - 6}}},
		{"png with zTXt and iTXt before IEND", insert(insert(p, iend, chunk("iTXt", []byte("k\x00\x00\x00\x00\x00v"))), iend, chunk("zTXt", []byte("k\x00\x00x"))), PNG,
			[]Item{{"zTXt", iend}, {"iTXt", iend + 16}}},
		{"png with pHYs (not metadata)", insert(p, pngAfterIHDR, chunk("pHYs", []byte{0, 0, 11, 19, 0, 0, 11, 19, 1})), PNG, nil},
		{"png with a trailer", append(append([]byte{}, p...), 0), PNG, []Item{{Trailer, len(p)}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, items, err := Scan(tt.b)
			if err != nil {
				t.Fatalf("Scan: %v", err)
			}
			if f != tt.format {
				t.Errorf("format %q, want %q", f, tt.format)
			}
			if !reflect.DeepEqual(items, tt.want) {
				t.Errorf("items %v, want %v", items, tt.want)
			}
		})
	}
}

func TestScanRefuses(t *testing.T) {
	j, p := encodeJPEG(t), encodePNG(t)
	crc := append([]byte{}, p...)
	crc[pngAfterIHDR-1] ^= 1
	for _, tt := range []struct {
		name string
		b    []byte
		want Format // "" for ErrNotImage
	}{
		{"empty", nil, ""},
		{"text", []byte("not an image at all"), ""},
		{"gif", []byte("GIF89a\x01\x00\x01\x00"), ""},
		{"jpeg signature only", []byte{0xff, 0xd8, 0xff}, JPEG},
		{"jpeg cut in the scan", j[:len(j)-2], JPEG},
		{"jpeg cut in a header", j[:20], JPEG},
		{"jpeg segment too long", insert(j, 2, []byte{0xff, 0xe1, 0xff, 0xff, 0}), JPEG},
		{"jpeg segment length 1", insert(j, 2, []byte{0xff, 0xe1, 0, 1}), JPEG},
		{"jpeg garbage between segments", insert(j, 2, append(segment(0xe0, nil), 0x00)), JPEG},
		{"jpeg second SOI", insert(j, 2, []byte{0xff, 0xd8}), JPEG},
		{"png signature only", p[:8], PNG},
		{"png without IEND", p[:len(p)-12], PNG},
		{"png with a bad CRC", crc, PNG},
		{"png first chunk not IHDR", insert(p, 8, chunk("tEXt", []byte("a\x00b"))), PNG},
		{"png huge length", insert(p, pngAfterIHDR, []byte{0xff, 0xff, 0xff, 0xff, 't', 'E', 'X', 't'}), PNG},
		{"png chunk type not letters", insert(p, pngAfterIHDR, chunk("t3Xt", nil)), PNG},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, items, err := Scan(tt.b)
			if tt.want == "" {
				if !errors.Is(err, ErrNotImage) {
					t.Errorf("Scan = %q, %v, %v; want ErrNotImage", f, items, err)
				}
				return
			}
			var me *MalformedError
			if !errors.As(err, &me) || me.Format != tt.want || f != tt.want {
				t.Errorf("Scan = %q, %v, %v; want a malformed %s", f, items, err, tt.want)
			}
		})
	}
}

func TestSniffAndMediaType(t *testing.T) {
	if f := Sniff(encodeJPEG(t)); f != JPEG || f.MediaType() != "image/jpeg" {
		t.Errorf("JPEG sniffed as %q (%s)", f, f.MediaType())
	}
	if f := Sniff(encodePNG(t)); f != PNG || f.MediaType() != "image/png" {
		t.Errorf("PNG sniffed as %q (%s)", f, f.MediaType())
	}
	if f := Sniff([]byte("<svg")); f != "" || f.MediaType() != "" {
		t.Errorf("SVG sniffed as %q", f)
	}
}

// FuzzScan checks that Scan never panics, that what it finds lies inside the file in file
// order, and that adding an EXIF segment or a tEXt chunk to a file it passes as clean is
// always found.
func FuzzScan(f *testing.F) {
	j, p := encodeJPEG(f), encodePNG(f)
	f.Add(j)
	f.Add(p)
	f.Add(insert(j, 2, segment(0xe1, exif)))
	f.Add(insert(p, pngAfterIHDR, chunk("tEXt", []byte("a\x00b"))))
	f.Add(j[:100])
	f.Add([]byte{0xff, 0xd8, 0xff, 0xda, 0, 2, 0xff, 0x00, 0xff, 0xd0, 0xff, 0xd9})
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		format, items, err := Scan(b)
		if err != nil {
			if items != nil {
				t.Fatalf("items %v with error %v", items, err)
			}
			return
		}
		if format != Sniff(b) || format == "" {
			t.Fatalf("format %q, sniffed %q", format, Sniff(b))
		}
		last := -1
		for _, it := range items {
			if it.Offset < last || it.Offset >= len(b) {
				t.Fatalf("item %v out of order or outside %d bytes", it, len(b))
			}
			last = it.Offset
		}
		if format == JPEG {
			// Stripping keeps the structure and leaves nothing to find.
			s, err := StripJPEG(b)
			if err != nil {
				t.Fatalf("StripJPEG of a file Scan read: %v", err)
			}
			if _, left, err := Scan(s); err != nil || len(left) > 0 {
				t.Fatalf("after StripJPEG: items %v, error %v", left, err)
			}
		}
		if len(items) > 0 {
			return
		}
		// A clean file with metadata added is not clean.
		var dirty []byte
		if format == JPEG {
			dirty = insert(b, 2, segment(0xe1, exif))
		} else {
			afterIHDR := 8 + 12 + int(binary.BigEndian.Uint32(b[8:]))
			dirty = insert(b, afterIHDR, chunk("tEXt", []byte("a\x00b")))
		}
		if _, items, err := Scan(dirty); err != nil || len(items) == 0 {
			t.Fatalf("metadata added to a clean %s went unseen", format)
		}
	})
}

func TestStripJPEG(t *testing.T) {
	var img bytes.Buffer
	if err := jpeg.Encode(&img, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		t.Fatal(err)
	}
	plain := img.Bytes()
	// An EXIF APP1 segment holding a GPS tag's bytes, a comment, and a trailer, as a
	// phone's camera might write them.
	gps := []byte("Exif\x00\x00GPSLatitude 47.9189N 106.9176E")
	app1 := append([]byte{0xff, 0xe1, 0, byte(len(gps) + 2)}, gps...)
	com := append([]byte{0xff, 0xfe, 0, 7}, "hello"...)
	withMeta := append(append(append(append([]byte{}, plain[:2]...), app1...), com...), plain[2:]...)
	withMeta = append(withMeta, "TRAILER"...)
	if _, items, err := Scan(withMeta); err != nil || len(items) != 3 {
		t.Fatalf("Scan of the test image: %v items, %v; want 3", items, err)
	}
	got, err := StripJPEG(withMeta)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, plain) {
		t.Errorf("stripped image differs from the original without metadata: %d bytes, want %d", len(got), len(plain))
	}
	for _, s := range []string{"GPS", "Exif", "hello", "TRAILER"} {
		if bytes.Contains(got, []byte(s)) {
			t.Errorf("stripped image still holds %q", s)
		}
	}
	if _, err := StripJPEG([]byte("\x89PNG\r\n\x1a\n")); err != ErrNotImage {
		t.Errorf("StripJPEG(PNG) = %v, want ErrNotImage", err)
	}
	if _, err := StripJPEG(withMeta[:40]); err == nil {
		t.Error("StripJPEG of a cut file: no error")
	}
}
