package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/odk"
	"github.com/iltod/iltod/internal/sqlstore"
)

// TestODKCredentialsCommand issues an observer's ODK credentials on a data directory,
// in both languages: the printed password is the one whose HA1 is stored, and a second
// issue replaces it.
func TestODKCredentialsCommand(t *testing.T) {
	data := t.TempDir()
	if code, _, errOut := iltodCmd(t, "load", "-data", data, exampleDir); code != 0 {
		t.Fatalf("load example: %s", errOut)
	}
	if code, _, errOut := iltodCmd(t, "odk", "credentials", "-data", data, "-election", "example-2024"); code != 2 || !strings.Contains(errOut, "-observer") {
		t.Errorf("without -observer: exit %d %s", code, errOut)
	}
	if code, _, errOut := iltodCmd(t, "odk", "-data", data); code != 2 || !strings.Contains(errOut, "iltod odk credentials") {
		t.Errorf("without credentials: exit %d %s", code, errOut)
	}
	pwRe := regexp.MustCompile(`password ([A-Z2-9]{12})|нууц үг ([A-Z2-9]{12})`)
	var passwords []string
	for _, lang := range []string{"en", "mn"} {
		code, out, errOut := iltodCmd(t, "odk", "credentials", "-lang", lang, "-data", data, "-election", "example-2024", "-observer", "1001")
		m := pwRe.FindStringSubmatch(out)
		if code != 0 || m == nil || !strings.Contains(out, "/odk/example-2024/") {
			t.Fatalf("%s: exit %d: %s %s", lang, code, out, errOut)
		}
		passwords = append(passwords, m[1]+m[2])
	}
	if passwords[0] == passwords[1] {
		t.Error("the second issue printed the same password")
	}
	store, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(data, SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	c, err := store.ODKCredential(context.Background(), "example-2024", "1001")
	if err != nil || c.HA1 != odk.HA1("1001", app.ODKRealm("example-2024"), passwords[1]) {
		t.Errorf("the stored HA1 is not the last password's: %v", err)
	}
}
