// Package odktest runs the real ODK form engine, npm @getodk/xforms-engine under Node,
// as a client in tests: it loads an XForm that iltod wrote, answers it and serializes
// the instance as ODK Web Forms would submit it. The engine is pinned in
// internal/odk/testdata/client/package-lock.json; `npm ci` there installs it (.ci/run
// does).
package odktest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Engine runs internal/odk/testdata/client/fill.mjs.
type Engine struct {
	node, dir string
}

// notInstalled starts the message of a test skipped, or failed under CI.
const notInstalled = "the ODK form engine is not installed: run `npm ci` in internal/odk/testdata/client (CI does)"

// New returns the engine, or skips the test when Node or the npm package is missing,
// saying how to install it; when the environment variable CI is not empty it fails the
// test instead: CI must install it.
func New(t testing.TB) *Engine {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "testdata", "client")
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "@getodk", "xforms-engine", "package.json"))
	}
	if err != nil {
		msg := notInstalled + ": " + err.Error()
		if os.Getenv("CI") != "" {
			t.Fatal(msg + " [fatal because CI is set]")
		}
		t.Skip(msg)
	}
	return &Engine{node: node, dir: dir}
}

// ErrNotReady is returned by Fill when the engine finds the instance not ready to
// submit: a required field is empty or a constraint fails.
var ErrNotReady = errors.New("odktest: the engine says the instance is not ready")

// Fill loads xform, sets answers (field name → a string, a list of strings for a
// select, or "@path" for an upload) and returns the serialized instance. When the
// engine finds violations, the error wraps ErrNotReady and holds them.
func (e *Engine) Fill(xform []byte, answers map[string]any) ([]byte, error) {
	args, err := json.Marshal(answers)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(e.node, "fill.mjs", "-", string(args))
	cmd.Dir = e.dir
	cmd.Stdin = bytes.NewReader(xform)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 2 {
			return nil, fmt.Errorf("%w: %s", ErrNotReady, stderr.Bytes())
		}
		return nil, fmt.Errorf("node fill.mjs: %v: %s", err, stderr.Bytes())
	}
	return out.Bytes(), nil
}
