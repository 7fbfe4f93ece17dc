// Package evidence seals the evidence of an incident (photos, video, audio, documents) so
// that the server never holds it in the clear, opens it again on a reviewer's machine, and
// makes the copy of an image that may be published.
//
// Sealing encrypts the bytes with age (filippo.io/age) to the organisation's recipients.
// The server keeps only the ciphertext, in its blob store under the SHA-256 of the
// ciphertext with media type CipherMediaType (see Sealed.Blob); the SHA-256 of the
// plaintext is what enters the log with the incident's event, so that anyone holding the
// original can show it is the one reported. Opening needs an age identity, which is kept
// off the server.
package evidence

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/iltod/iltod"
)

// CipherMediaType is the media type of a sealed blob in the store.
const CipherMediaType = "application/age-encrypted"

// MaxEvidenceBytes bounds the plaintext that Seal accepts and Open returns.
const MaxEvidenceBytes = 256 << 20

// Sealed is a piece of evidence after Seal: the ciphertext the server keeps, and the
// hashes and media type the log records.
type Sealed struct {
	// PlainSHA256 is the SHA-256 of the plaintext: the hash that enters the log.
	PlainSHA256 [32]byte
	// Ciphertext is the age ciphertext (binary format) of the plaintext.
	Ciphertext []byte
	// CipherSHA256 is the SHA-256 of Ciphertext: the name of its blob in the store.
	CipherSHA256 [32]byte
	// MediaType is the plaintext's media type, sniffed from its bytes (see MediaType).
	MediaType string
}

// Blob returns the blob the store keeps for s: the ciphertext, named by its SHA-256, of
// media type CipherMediaType, created at created.
func (s Sealed) Blob(created time.Time) iltod.Blob {
	return iltod.Blob{SHA256: s.CipherSHA256, MediaType: CipherMediaType, Data: s.Ciphertext, Created: created}
}

// Seal encrypts plaintext to every one of recipients, so that any one of their identities
// opens it. It returns EInvalid when there is no recipient, the plaintext is empty or
// larger than MaxEvidenceBytes.
func Seal(plaintext []byte, recipients []age.Recipient) (Sealed, error) {
	if len(recipients) == 0 {
		return Sealed{}, iltod.E(iltod.EInvalid, "error.evidence.no_recipients", nil)
	}
	if len(plaintext) == 0 || len(plaintext) > MaxEvidenceBytes {
		return Sealed{}, iltod.E(iltod.EInvalid, "error.evidence.size", map[string]any{"Max": int64(MaxEvidenceBytes >> 20)})
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, recipients...)
	if err != nil {
		return Sealed{}, iltod.E(iltod.EInvalid, "error.evidence.encrypt", map[string]any{"Err": err.Error()})
	}
	if _, err := w.Write(plaintext); err != nil {
		return Sealed{}, iltod.E(iltod.EInternal, "error.evidence.encrypt", map[string]any{"Err": err.Error()})
	}
	if err := w.Close(); err != nil {
		return Sealed{}, iltod.E(iltod.EInternal, "error.evidence.encrypt", map[string]any{"Err": err.Error()})
	}
	ct := buf.Bytes()
	return Sealed{
		PlainSHA256:  sha256.Sum256(plaintext),
		Ciphertext:   ct,
		CipherSHA256: sha256.Sum256(ct),
		MediaType:    MediaType(plaintext),
	}, nil
}

// Open decrypts ciphertext with the first of identities that can. When want is given (at
// most one hash), the plaintext's SHA-256 must be want[0], the hash the log recorded.
// It returns EForbidden when no identity opens it, EInvalid when the ciphertext is not
// age's or the hash differs.
func Open(ciphertext []byte, identities []age.Identity, want ...[32]byte) ([]byte, error) {
	if len(identities) == 0 {
		return nil, iltod.E(iltod.EInvalid, "error.evidence.no_identities", nil)
	}
	r, err := age.Decrypt(bytes.NewReader(ciphertext), identities...)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, iltod.E(iltod.EForbidden, "error.evidence.no_match", nil)
		}
		return nil, iltod.E(iltod.EInvalid, "error.evidence.decrypt", map[string]any{"Err": err.Error()})
	}
	plain, err := io.ReadAll(io.LimitReader(r, MaxEvidenceBytes+1))
	if err != nil {
		return nil, iltod.E(iltod.EInvalid, "error.evidence.decrypt", map[string]any{"Err": err.Error()})
	}
	if len(plain) > MaxEvidenceBytes {
		return nil, iltod.E(iltod.EInvalid, "error.evidence.size", map[string]any{"Max": int64(MaxEvidenceBytes >> 20)})
	}
	if len(want) > 0 && sha256.Sum256(plain) != want[0] {
		return nil, iltod.E(iltod.EInvalid, "error.evidence.hash_mismatch", nil)
	}
	return plain, nil
}

// MediaType returns the media type of b sniffed from its first bytes: image/jpeg,
// image/png, video/mp4, audio/mpeg, audio/ogg, audio/wav, audio/mp4, application/pdf, or
// else application/octet-stream.
func MediaType(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return "application/pdf"
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		if brand := string(b[8:12]); brand == "M4A " || brand == "M4B " {
			return "audio/mp4"
		}
		return "video/mp4"
	case bytes.HasPrefix(b, []byte("ID3")), len(b) >= 2 && b[0] == 0xff && b[1]&0xe0 == 0xe0:
		return "audio/mpeg"
	case bytes.HasPrefix(b, []byte("OggS")):
		return "audio/ogg"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WAVE":
		return "audio/wav"
	}
	return "application/octet-stream"
}

// Limits of a recipients or identities file.
const (
	MaxKeyFileBytes = 64 << 10
	MaxKeys         = 100
)

// ParseRecipients reads age recipients, one a line ("age1…"); blank lines and lines
// starting with # are ignored. It returns EInvalid, naming the line, for a line that is
// not a recipient, a file larger than MaxKeyFileBytes or holding more than MaxKeys
// recipients, or one holding none.
func ParseRecipients(r io.Reader) ([]age.Recipient, error) {
	var out []age.Recipient
	err := keyLines(r, func(n int, line string) error {
		rc, err := age.ParseX25519Recipient(line)
		if err != nil {
			return iltod.E(iltod.EInvalid, "error.evidence.recipient_line", map[string]any{"Line": n})
		}
		out = append(out, rc)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, iltod.E(iltod.EInvalid, "error.evidence.no_recipients", nil)
	}
	return out, nil
}

// ParseIdentities reads age identities ("AGE-SECRET-KEY-1…"), one a line, with the same
// rules and limits as ParseRecipients.
func ParseIdentities(r io.Reader) ([]age.Identity, error) {
	var out []age.Identity
	err := keyLines(r, func(n int, line string) error {
		id, err := age.ParseX25519Identity(line)
		if err != nil {
			return iltod.E(iltod.EInvalid, "error.evidence.identity_line", map[string]any{"Line": n})
		}
		out = append(out, id)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, iltod.E(iltod.EInvalid, "error.evidence.no_identities", nil)
	}
	return out, nil
}

// keyLines calls f with each line of r that holds a key, numbered from 1, within the
// limits of a key file.
func keyLines(r io.Reader, f func(n int, line string) error) error {
	b, err := io.ReadAll(io.LimitReader(r, MaxKeyFileBytes+1))
	if err != nil {
		return iltod.E(iltod.EInvalid, "error.evidence.key_file", map[string]any{"Err": err.Error()})
	}
	if len(b) > MaxKeyFileBytes {
		return iltod.E(iltod.EInvalid, "error.evidence.key_file_size", map[string]any{"Max": int64(MaxKeyFileBytes >> 10), "Keys": int64(MaxKeys)})
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), MaxKeyFileBytes+1)
	keys := 0
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if keys++; keys > MaxKeys {
			return iltod.E(iltod.EInvalid, "error.evidence.key_file_size", map[string]any{"Max": int64(MaxKeyFileBytes >> 10), "Keys": int64(MaxKeys)})
		}
		if err := f(n, line); err != nil {
			return err
		}
	}
	return nil
}

// PlainHash returns the SHA-256 of plaintext, the hash the log records.
func PlainHash(plaintext []byte) [32]byte { return sha256.Sum256(plaintext) }
