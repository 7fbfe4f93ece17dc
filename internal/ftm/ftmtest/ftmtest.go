// Package ftmtest finds the FollowTheMoney schema files for tests that validate against
// the real model. It imports nothing of iltod, so that package ftm's own tests use it too.
package ftmtest

import (
	"os"
	"path/filepath"
	"testing"
)

// SchemaDir returns the directory of the FtM schema files: $ILTOD_FTM_SCHEMA, or a
// directory shared/data/followthemoney/schema beside the working directory or one of
// its parents (CI clones the repository beside "shared"). Without it the test is
// skipped with a message saying where to put the files, or fails when CI is set.
func SchemaDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("ILTOD_FTM_SCHEMA"); d != "" {
		return d
	}
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		c := filepath.Join(dir, "shared", "data", "followthemoney", "schema")
		if st, err := os.Stat(c); err == nil && st.IsDir() {
			return c
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	msg := "FollowTheMoney schema files not found: set ILTOD_FTM_SCHEMA or place shared/data/followthemoney/schema beside the repository"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}
