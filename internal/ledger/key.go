package ledger

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"golang.org/x/mod/sumdb/note"

	"github.com/iltod/iltod/internal/durable"
)

// VKeyFile is the name of the file, beside the key file, that holds the log's verifier
// key.
const VKeyFile = "log.vkey"

// validOrigin reports why origin cannot name the log, or "". An origin is a signed-note
// key name (non-empty, no white space, no '+') and should look like a URL without its
// scheme, e.g. "observers.example.mn/log".
func validOrigin(origin string) string {
	switch {
	case origin == "":
		return "the log origin is empty"
	case len(origin) > 200:
		return "the log origin is longer than 200 bytes"
	case strings.ContainsRune(origin, '+'):
		return "the log origin contains '+'"
	}
	for _, r := range origin {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar {
			return fmt.Sprintf("the log origin %q contains white space or a control character", origin)
		}
	}
	return ""
}

// loadKey reads the log's signing key from keyFile, creating it (mode 0600) on first
// use, and writes the verifier key beside it. It refuses a key file that others than its
// owner may read or write, and a key for another origin. The key itself never appears in
// an error or a log line.
func loadKey(keyFile, origin string) (note.Signer, string, error) {
	b, err := os.ReadFile(keyFile)
	if errors.Is(err, fs.ErrNotExist) {
		skey, _, gerr := note.GenerateKey(rand.Reader, origin)
		if gerr != nil {
			return nil, "", fmt.Errorf("generate the log key: %w", gerr)
		}
		if err := createPrivate(keyFile, []byte(skey+"\n")); err != nil {
			return nil, "", fmt.Errorf("create the log key file: %w", err)
		}
		b, err = os.ReadFile(keyFile)
	}
	if err != nil {
		return nil, "", fmt.Errorf("read the log key: %w", err)
	}
	fi, err := os.Stat(keyFile)
	if err != nil {
		return nil, "", fmt.Errorf("log key: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, "", fmt.Errorf("log key %s is not a regular file", keyFile)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, "", fmt.Errorf("log key %s has mode %04o: others than its owner may read or change it; run chmod 600 %s", keyFile, perm, keyFile)
	}
	skey := strings.TrimSpace(string(b))
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, "", fmt.Errorf("log key %s is not a signed-note private key", keyFile)
	}
	if signer.Name() != origin {
		return nil, "", fmt.Errorf("log key %s is for the origin %q, not the configured %q; a log's origin never changes", keyFile, signer.Name(), origin)
	}
	vkey, err := verifierKey(skey)
	if err != nil {
		return nil, "", fmt.Errorf("log key %s: %w", keyFile, err)
	}
	vfile := filepath.Join(filepath.Dir(keyFile), VKeyFile)
	if old, err := os.ReadFile(vfile); err != nil || !bytes.Equal(bytes.TrimSpace(old), []byte(vkey)) {
		if err := durable.WriteFile(vfile, []byte(vkey+"\n"), 0o644); err != nil {
			return nil, "", fmt.Errorf("write the verifier key: %w", err)
		}
	}
	return signer, vkey, nil
}

// verifierKey derives the verifier key of an Ed25519 signed-note private key.
func verifierKey(skey string) (string, error) {
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 {
		return "", errors.New("not a signed-note private key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return "", errors.New("not an Ed25519 signed-note private key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	return note.NewEd25519VerifierKey(parts[2], pub)
}

// createPrivate creates path with mode 0600 holding data, atomically: it fails if path
// exists, and path never holds part of data.
func createPrivate(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return durable.CreateFile(path, data, 0o600)
}
