// Package imagemeta finds the metadata an image carries, so that a photo can be refused
// before it is stored or published: a protocol photo's EXIF may hold where it was taken
// and the phone that took it, which could identify the observer.
//
// It reads the structure of JPEG (segments) and PNG (chunks) files without decoding the
// pixels. What counts as metadata: in a JPEG, the application segments APP1 to APP15
// (EXIF, XMP, ICC profiles, maker notes …) and comments (COM); in a PNG, the chunks tEXt,
// zTXt, iTXt, eXIf and tIME; in both, any bytes after the end of the image, where some
// phones append more. APP0 (JFIF) holds only the pixel density and is allowed.
package imagemeta

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// Format is an image format that Scan reads.
type Format string

// The formats.
const (
	JPEG Format = "JPEG"
	PNG  Format = "PNG"
)

// MediaType returns the format's media type, as Content-Type names it.
func (f Format) MediaType() string {
	switch f {
	case JPEG:
		return "image/jpeg"
	case PNG:
		return "image/png"
	}
	return ""
}

// Item is one piece of metadata found in an image.
type Item struct {
	// Kind names it as the format does: "APP1", "COM", "tEXt" …, or Trailer.
	Kind string
	// Offset is where it begins in the file.
	Offset int
}

// Trailer is the Kind of bytes after the end of the image.
const Trailer = "trailer"

// ErrNotImage is returned for bytes that begin as neither a JPEG nor a PNG file.
var ErrNotImage = errors.New("imagemeta: neither a JPEG nor a PNG file")

// MalformedError is returned for a file that begins as a JPEG or PNG file but whose
// structure is broken. Reason is for logs and tests, not for people.
type MalformedError struct {
	Format Format
	Offset int
	Reason string
}

func (e *MalformedError) Error() string {
	return fmt.Sprintf("imagemeta: malformed %s at byte %d: %s", e.Format, e.Offset, e.Reason)
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// Sniff returns the format that b begins as, or "" if neither. It reads only the first
// bytes: Scan checks the rest.
func Sniff(b []byte) Format {
	switch {
	case len(b) >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff:
		return JPEG
	case bytes.HasPrefix(b, pngSignature):
		return PNG
	}
	return ""
}

// Scan reads the structure of b, a JPEG or PNG file, and returns its format and the
// metadata it carries, in file order (none for a clean image). It returns ErrNotImage for
// anything else and a *MalformedError for a file whose structure is broken or truncated.
// It never decodes pixels and takes time linear in len(b).
func Scan(b []byte) (Format, []Item, error) {
	switch Sniff(b) {
	case JPEG:
		items, err := scanJPEG(b)
		return JPEG, items, err
	case PNG:
		items, err := scanPNG(b)
		return PNG, items, err
	}
	return "", nil, ErrNotImage
}

// JPEG markers.
const (
	mSOI  = 0xd8
	mEOI  = 0xd9
	mSOS  = 0xda
	mAPP0 = 0xe0
	mAPP1 = 0xe1
	mAPPF = 0xef
	mCOM  = 0xfe
	mTEM  = 0x01
	mRST0 = 0xd0
	mRST7 = 0xd7
)

func scanJPEG(b []byte) ([]Item, error) {
	bad := func(at int, reason string) ([]Item, error) {
		return nil, &MalformedError{Format: JPEG, Offset: at, Reason: reason}
	}
	var items []Item
	i := 2 // after SOI
	for {
		// A marker: 0xFF, any number of 0xFF fill bytes, then the marker's code.
		if i >= len(b) {
			return bad(i, "no end-of-image marker")
		}
		if b[i] != 0xff {
			return bad(i, "a segment does not begin with 0xFF")
		}
		at := i
		for i < len(b) && b[i] == 0xff {
			i++
		}
		if i >= len(b) {
			return bad(i, "no end-of-image marker")
		}
		m := b[i]
		i++
		switch {
		case m == mEOI:
			if i < len(b) {
				items = append(items, Item{Kind: Trailer, Offset: i})
			}
			return items, nil
		case m == 0x00 || m == mSOI:
			return bad(at, fmt.Sprintf("marker 0x%02X out of place", m))
		case m == mTEM || (m >= mRST0 && m <= mRST7):
			continue // standalone: no length
		}
		if i+2 > len(b) {
			return bad(i, "a segment's length is cut off")
		}
		n := int(binary.BigEndian.Uint16(b[i:]))
		if n < 2 || i+n > len(b) {
			return bad(i, fmt.Sprintf("segment length %d runs past the end", n))
		}
		switch {
		case m >= mAPP1 && m <= mAPPF:
			items = append(items, Item{Kind: fmt.Sprintf("APP%d", m-mAPP0), Offset: at})
		case m == mCOM:
			items = append(items, Item{Kind: "COM", Offset: at})
		}
		i += n
		if m != mSOS {
			continue
		}
		// Entropy-coded data follows a scan's header, up to the next marker other than
		// a stuffed 0xFF00 or a restart marker.
		for {
			j := bytes.IndexByte(b[i:], 0xff)
			if j < 0 {
				return bad(len(b), "no end-of-image marker")
			}
			i += j
			k := i + 1
			for k < len(b) && b[k] == 0xff {
				k++
			}
			if k >= len(b) {
				return bad(len(b), "no end-of-image marker")
			}
			if c := b[k]; c == 0x00 || (c >= mRST0 && c <= mRST7) {
				i = k + 1
				continue
			}
			break // i is at the next marker's 0xFF
		}
	}
}

// PNG chunks that are metadata.
var pngMeta = map[string]bool{"tEXt": true, "zTXt": true, "iTXt": true, "eXIf": true, "tIME": true}

func scanPNG(b []byte) ([]Item, error) {
	bad := func(at int, reason string) ([]Item, error) {
		return nil, &MalformedError{Format: PNG, Offset: at, Reason: reason}
	}
	var items []Item
	i := len(pngSignature)
	for first := true; ; first = false {
		if i+8 > len(b) {
			return bad(i, "no IEND chunk")
		}
		n := binary.BigEndian.Uint32(b[i:])
		if n > 1<<31-1 || uint64(i)+12+uint64(n) > uint64(len(b)) {
			return bad(i, fmt.Sprintf("chunk length %d runs past the end", n))
		}
		typ := string(b[i+4 : i+8])
		for _, c := range []byte(typ) {
			if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
				return bad(i+4, fmt.Sprintf("chunk type %q is not four letters", typ))
			}
		}
		if first && typ != "IHDR" {
			return bad(i+4, "the first chunk is not IHDR")
		}
		end := i + 8 + int(n)
		if crc32.ChecksumIEEE(b[i+4:end]) != binary.BigEndian.Uint32(b[end:]) {
			return bad(end, fmt.Sprintf("chunk %s has a wrong CRC", typ))
		}
		if pngMeta[typ] {
			items = append(items, Item{Kind: typ, Offset: i})
		}
		i = end + 4
		if typ == "IEND" {
			if i < len(b) {
				items = append(items, Item{Kind: Trailer, Offset: i})
			}
			return items, nil
		}
	}
}

// StripJPEG returns a copy of the JPEG file b without its metadata: every APP1 to APP15
// and COM segment (EXIF with its GPS position and camera serial, XMP, ICC profiles,
// comments) and any bytes after the end of the image. It is lossless: the image's other
// segments and its entropy-coded data are copied byte for byte, so the pixels do not
// change. Without EXIF the image loses its orientation tag, and may show rotated. It
// returns ErrNotImage for a file that is not a JPEG and *MalformedError as Scan does;
// the result passes Scan with no items.
func StripJPEG(b []byte) ([]byte, error) {
	if Sniff(b) != JPEG {
		return nil, ErrNotImage
	}
	items, err := scanJPEG(b)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(b))
	prev := 0
	for _, it := range items {
		if it.Kind == Trailer {
			out = append(out, b[prev:it.Offset]...)
			return out, nil
		}
		// The segment: 0xFF fill bytes, the marker, then a length that counts itself.
		i := it.Offset
		for b[i] == 0xff {
			i++
		}
		i++ // the marker
		end := i + int(binary.BigEndian.Uint16(b[i:]))
		out = append(out, b[prev:it.Offset]...)
		prev = end
	}
	return append(out, b[prev:]...), nil
}
