package evidence

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/imagemeta"
	"github.com/iltod/iltod/internal/sqlstore"
	"github.com/iltod/iltod/internal/testimage"
)

// marker is a string that must never appear outside the plaintext.
const marker = "WITNESS-NAME-Bat-Erdene-99119911"

func newIdentity(t *testing.T) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestEvidenceSealOpen(t *testing.T) {
	a, b := newIdentity(t), newIdentity(t)
	plain := []byte("%PDF-1.4\n" + marker + strings.Repeat(" testimony", 1000))
	s, err := Seal(plain, []age.Recipient{a.Recipient(), b.Recipient()})
	if err != nil {
		t.Fatal(err)
	}
	if s.MediaType != "application/pdf" {
		t.Errorf("MediaType = %q, want application/pdf", s.MediaType)
	}
	if s.PlainSHA256 != PlainHash(plain) {
		t.Error("PlainSHA256 is not the plaintext's SHA-256")
	}
	if bytes.Contains(s.Ciphertext, []byte(marker)) || bytes.Contains(s.Ciphertext, []byte("testimony")) {
		t.Error("the ciphertext holds plaintext")
	}
	if blob := s.Blob(time.Now()); blob.MediaType != CipherMediaType || blob.SHA256 != s.CipherSHA256 {
		t.Errorf("Blob = %q %x", blob.MediaType, blob.SHA256)
	}
	for _, id := range []*age.X25519Identity{a, b} {
		got, err := Open(s.Ciphertext, []age.Identity{id}, s.PlainSHA256)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, plain) {
			t.Error("Open returned other bytes")
		}
	}
	// A wrong identity fails, as forbidden.
	_, err = Open(s.Ciphertext, []age.Identity{newIdentity(t)})
	var e *iltod.Error
	if !errors.As(err, &e) || e.Code != iltod.EForbidden || e.Key != "error.evidence.no_match" {
		t.Errorf("Open with a wrong identity: %v", err)
	}
	// A wrong hash fails.
	if _, err := Open(s.Ciphertext, []age.Identity{a}, [32]byte{1}); !errors.As(err, &e) || e.Key != "error.evidence.hash_mismatch" {
		t.Errorf("Open with a wrong hash: %v", err)
	}
	// A tampered ciphertext fails.
	bad := bytes.Clone(s.Ciphertext)
	bad[len(bad)-5] ^= 1
	if _, err := Open(bad, []age.Identity{a}); err == nil {
		t.Error("Open accepted a tampered ciphertext")
	}
	if _, err := Seal(plain, nil); err == nil {
		t.Error("Seal without recipients succeeded")
	}
	if _, err := Seal(nil, []age.Recipient{a.Recipient()}); err == nil {
		t.Error("Seal of nothing succeeded")
	}
}

func TestEvidenceMediaType(t *testing.T) {
	for _, c := range []struct{ b, want string }{
		{"\xff\xd8\xff\xe0", "image/jpeg"},
		{"\x89PNG\r\n\x1a\n....", "image/png"},
		{"\x00\x00\x00\x18ftypmp42", "video/mp4"},
		{"\x00\x00\x00\x18ftypM4A ", "audio/mp4"},
		{"ID3\x03", "audio/mpeg"},
		{"OggS\x00", "audio/ogg"},
		{"RIFF\x00\x00\x00\x00WAVEfmt ", "audio/wav"},
		{"%PDF-1.7", "application/pdf"},
		{"hello", "application/octet-stream"},
		{"", "application/octet-stream"},
	} {
		if got := MediaType([]byte(c.b)); got != c.want {
			t.Errorf("MediaType(%q) = %q, want %q", c.b, got, c.want)
		}
	}
}

// exifJPEG returns a JPEG carrying an EXIF APP1 segment with a GPS IFD, an ICC APP2
// segment and a comment, and the bytes of its GPS IFD.
func exifJPEG(t *testing.T) ([]byte, []byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 128, 255})
		}
	}
	file, gps, err := testimage.CameraJPEG(img,
		testimage.Segment{Marker: 0xe2, Body: []byte("ICC_PROFILE\x00\x01\x01camera-serial-SN12345")},
		testimage.Segment{Marker: 0xfe, Body: []byte("taken by " + marker)})
	if err != nil {
		t.Fatal(err)
	}
	return file, gps
}

// jpegMarkers returns the markers of a JPEG's segments before its scan.
func jpegMarkers(t *testing.T, b []byte) []byte {
	t.Helper()
	var ms []byte
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xff {
			t.Fatalf("no marker at %d", i)
		}
		m := b[i+1]
		ms = append(ms, m)
		if m == 0xda {
			break
		}
		i += 2 + int(binary.BigEndian.Uint16(b[i+2:]))
	}
	return ms
}

func TestEvidencePublicCopyJPEG(t *testing.T) {
	in, gps := exifJPEG(t)
	if _, items, err := imagemeta.Scan(in); err != nil || len(items) < 3 {
		t.Fatalf("the test image should carry metadata: %v %v", items, err)
	}
	out, mt, err := PublicCopy(in)
	if err != nil {
		t.Fatal(err)
	}
	if mt != "image/jpeg" {
		t.Errorf("media type %q", mt)
	}
	for _, m := range jpegMarkers(t, out) {
		if m == 0xe1 || m == 0xe2 || m == 0xfe || (m >= 0xe1 && m <= 0xef) {
			t.Errorf("the public copy holds segment %#x", m)
		}
	}
	for _, s := range [][]byte{gps, []byte("Exif"), []byte("ICC_PROFILE"), []byte("SN12345"), []byte(marker)} {
		if bytes.Contains(out, s) {
			t.Errorf("the public copy holds %q", s)
		}
	}
	if _, items, err := imagemeta.Scan(out); err != nil || len(items) != 0 {
		t.Errorf("imagemeta finds in the public copy: %v %v", items, err)
	}
	img, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 64 || b.Dy() != 48 {
		t.Errorf("the public copy is %v", b)
	}
}

func TestEvidencePublicCopyPNG(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 8, 8))
	img.Set(3, 3, color.NRGBA{200, 10, 10, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	// Insert a tEXt chunk after IHDR (8 + 25 bytes); its CRC is not checked by the
	// decoder for ancillary chunks.
	body := []byte("Comment\x00" + marker)
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	chunk = append(append(chunk, "tEXt"...), body...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc(append([]byte("tEXt"), body...)))
	in := append(append(append([]byte(nil), b.Bytes()[:33]...), chunk...), b.Bytes()[33:]...)
	out, mt, err := PublicCopy(in)
	if err != nil {
		t.Fatal(err)
	}
	if mt != "image/png" || bytes.Contains(out, []byte(marker)) || bytes.Contains(out, []byte("tEXt")) {
		t.Errorf("public copy %q holds metadata", mt)
	}
	got, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if r, _, _, _ := got.At(3, 3).RGBA(); r>>8 != 200 {
		t.Error("the PNG copy lost its pixels")
	}
}

func TestEvidencePublicCopyRefuses(t *testing.T) {
	for _, b := range []string{"\x00\x00\x00\x18ftypmp42....", "%PDF-1.4 " + marker, "ID3\x03", "plain text", "\xff\xd8\xff\xe0 broken"} {
		out, _, err := PublicCopy([]byte(b))
		var e *iltod.Error
		if !errors.As(err, &e) || e.Code != iltod.EInvalid || out != nil {
			t.Errorf("PublicCopy(%q) = %v", b, err)
		}
	}
	_, _, err := PublicCopy([]byte("%PDF-1.4"))
	if e := (*iltod.Error)(nil); !errors.As(err, &e) || e.Key != "error.evidence.not_publishable" {
		t.Errorf("a PDF: %v", err)
	}
}

// TestEvidenceStoreHoldsNoPlaintext seals evidence into a SQLite store as the server
// does, and reads every file of the data directory: none holds the plaintext.
func TestEvidenceStoreHoldsNoPlaintext(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "iltod.db"))
	if err != nil {
		t.Fatal(err)
	}
	id := newIdentity(t)
	plain, _ := exifJPEG(t)
	plain = append(plain, marker...) // bytes after the image's end, as some phones append
	s, err := Seal(plain, []age.Recipient{id.Recipient()})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutBlob(ctx, s.Blob(time.Now().UTC())); err != nil {
		t.Fatal(err)
	}
	got, err := st.Blob(ctx, s.CipherSHA256)
	if err != nil {
		t.Fatal(err)
	}
	if got.MediaType != CipherMediaType {
		t.Errorf("stored as %q", got.MediaType)
	}
	if back, err := Open(got.Data, []age.Identity{id}, s.PlainSHA256); err != nil || !bytes.Equal(back, plain) {
		t.Fatalf("the stored ciphertext does not open: %v", err)
	}
	files := 0
	check := func() {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files++
			if bytes.Contains(b, []byte(marker)) {
				t.Errorf("%s holds the plaintext marker", d.Name())
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	check() // with the WAL open
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	check() // after the checkpoint at close
	if files == 0 {
		t.Fatal("the data directory holds no file")
	}
	// The walk does find the marker where it is: a control that the check can fail.
	if err := os.WriteFile(filepath.Join(dir, "control"), plain, 0o600); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "control"))
	if !bytes.Contains(b, []byte(marker)) {
		t.Fatal("control file lacks the marker")
	}
}

func TestEvidenceParseRecipients(t *testing.T) {
	a, b := newIdentity(t), newIdentity(t)
	text := "# the organisation's reviewers\n\n" + a.Recipient().String() + "\n  " + b.Recipient().String() + "  \r\n# end\n"
	rs, err := ParseRecipients(strings.NewReader(text))
	if err != nil || len(rs) != 2 {
		t.Fatalf("ParseRecipients = %d, %v", len(rs), err)
	}
	s, err := Seal([]byte(marker), rs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(s.Ciphertext, []age.Identity{b}); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{
		"",
		"# only a comment\n",
		a.Recipient().String() + "\nnot a key\n",
		a.String() + "\n", // an identity is not a recipient
		strings.Repeat(a.Recipient().String()+"\n", MaxKeys+1),
		strings.Repeat("#", MaxKeyFileBytes+1),
	} {
		if rs, err := ParseRecipients(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseRecipients(%.40q) = %d recipients", bad, len(rs))
		}
	}
	_, err = ParseRecipients(strings.NewReader(a.Recipient().String() + "\n\nage1nope\n"))
	var e *iltod.Error
	if !errors.As(err, &e) || e.Key != "error.evidence.recipient_line" || e.Data["Line"] != 3 {
		t.Errorf("a bad line 3: %v", err)
	}
	ids, err := ParseIdentities(strings.NewReader("# key\n" + a.String() + "\n"))
	if err != nil || len(ids) != 1 {
		t.Fatalf("ParseIdentities = %v", err)
	}
	if _, err := ParseIdentities(strings.NewReader(a.Recipient().String())); err == nil {
		t.Error("ParseIdentities accepted a recipient")
	}
}

func FuzzParseRecipients(f *testing.F) {
	f.Add("# comment\nage1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n")
	f.Add("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\r\n\n  # x\n")
	f.Add("AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX\n")
	f.Add("age1\x00\n#\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		rs, err := ParseRecipients(strings.NewReader(s))
		if err != nil {
			var e *iltod.Error
			if !errors.As(err, &e) || e.Code != iltod.EInvalid {
				t.Fatalf("error of a wrong kind: %v", err)
			}
			if rs != nil {
				t.Fatal("recipients along with an error")
			}
			return
		}
		if len(rs) == 0 || len(rs) > MaxKeys {
			t.Fatalf("%d recipients", len(rs))
		}
		for _, r := range rs {
			x, ok := r.(*age.X25519Recipient)
			if !ok || !strings.Contains(s, x.String()) {
				t.Fatalf("recipient %v is not in the input", r)
			}
		}
	})
}

func crc(b []byte) uint32 { return crc32.ChecksumIEEE(b) }

// orientedJPEG returns a 64×48 JPEG whose top-left quarter is red, with EXIF orientation o
// (big-endian TIFF).
func orientedJPEG(t *testing.T, o uint16) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			c := color.RGBA{0, 0, 255, 255}
			if x < 32 && y < 24 {
				c = color.RGBA{255, 0, 0, 255}
			}
			img.Set(x, y, c)
		}
	}
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	be := binary.BigEndian
	tiff := []byte("MM\x00*")
	tiff = be.AppendUint32(tiff, 8)
	tiff = be.AppendUint16(tiff, 1)
	tiff = be.AppendUint16(tiff, 0x0112)
	tiff = be.AppendUint16(tiff, 3)
	tiff = be.AppendUint32(tiff, 1)
	tiff = be.AppendUint16(tiff, o)
	tiff = be.AppendUint16(tiff, 0)
	tiff = be.AppendUint32(tiff, 0)
	body := append([]byte("Exif\x00\x00"), tiff...)
	seg := be.AppendUint16([]byte{0xff, 0xe1}, uint16(len(body)+2))
	seg = append(seg, body...)
	b := plain.Bytes()
	return append(append(append([]byte(nil), b[:2]...), seg...), b[2:]...)
}

func TestEvidencePublicCopyOrientation(t *testing.T) {
	red := func(img image.Image, x, y int) bool {
		r, g, b, _ := img.At(x, y).RGBA()
		return r>>8 > 200 && g>>8 < 60 && b>>8 < 60
	}
	for _, c := range []struct {
		o          uint16
		w, h       int
		redX, redY int // a point of the red quarter in the copy
	}{
		{1, 64, 48, 5, 5},
		{3, 64, 48, 58, 42},
		{6, 48, 64, 42, 5},
		{8, 48, 64, 5, 58},
	} {
		in := orientedJPEG(t, c.o)
		if got := exifOrientation(in); got != int(c.o) {
			t.Errorf("exifOrientation = %d, want %d", got, c.o)
		}
		out, _, err := PublicCopy(in)
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != c.w || b.Dy() != c.h {
			t.Errorf("orientation %d: copy is %dx%d, want %dx%d", c.o, b.Dx(), b.Dy(), c.w, c.h)
			continue
		}
		if !red(img, c.redX, c.redY) {
			t.Errorf("orientation %d: (%d,%d) is not red", c.o, c.redX, c.redY)
		}
		if _, items, _ := imagemeta.Scan(out); len(items) != 0 {
			t.Errorf("orientation %d: the copy keeps %v", c.o, items)
		}
	}
}

func FuzzExifOrientation(f *testing.F) {
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x1eExif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00"))
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x10Exif\x00\x00II*\x00\xff\xff\xff\xff"))
	f.Add([]byte("\xff\xd8"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if o := exifOrientation(b); o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
	})
}
