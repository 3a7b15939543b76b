package tfrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"testing"
	"time"

	"github.com/csocbot/csocbot/planner/sandbox"
)

// The test binary doubles as a helper process that takes the lock, as
// another bot process sharing the plugin cache would, and as a fake
// terraform.
const (
	helperDirEnv     = "TFRUN_LOCK_HELPER_DIR"
	helperModeEnv    = "TFRUN_LOCK_HELPER_MODE" // "contend" or "hold"
	fakeTerraformEnv = "TFRUN_FAKE_TERRAFORM"   // "ignore-sigint"
)

func TestMain(m *testing.M) {
	sandbox.Main() // and as the launcher of sandboxed commands
	if os.Getenv(fakeTerraformEnv) == "ignore-sigint" {
		// Ignore SIGINT, say so, and run for longer than any test waits.
		signal.Ignore(os.Interrupt)
		if err := os.WriteFile("ready", nil, 0o644); err != nil {
			os.Exit(1)
		}
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	if dir := os.Getenv(helperDirEnv); dir != "" {
		if err := lockHelper(dir, os.Getenv(helperModeEnv)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// realBinary finds the terraform or tofu on PATH, skipping the test when
// there is none.
func realBinary(t *testing.T) Binary {
	t.Helper()
	b, err := Find(t.Context(), FindOptions{})
	if errors.Is(err, ErrNotFound) {
		t.Skipf("needs terraform or tofu on PATH: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// emptyCLIConfig returns a new empty file to use as TF_CLI_CONFIG_FILE, so
// tests never read the developer's CLI configuration.
func emptyCLIConfig(t *testing.T) string {
	t.Helper()
	return writeFile(t, filepath.Join(t.TempDir(), "empty.tfrc"), "")
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// newConfig writes a configuration with a local backend in a new
// directory and returns the directory.
func newConfig(t *testing.T, mainTF string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "main.tf"), mainTF)
	return dir
}

// newRunner returns a Runner for dir with the real binary and an empty CLI
// configuration; opts may set further fields.
func newRunner(t *testing.T, dir string, opts Options) *Runner {
	t.Helper()
	if opts.Binary.Path == "" {
		opts.Binary = realBinary(t)
	}
	if opts.CLIConfigFile == "" {
		opts.CLIConfigFile = emptyCLIConfig(t)
	}
	r, err := New(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	})
	return r
}

// initRunner returns a Runner for a new configuration, after Init.
func initRunner(t *testing.T, mainTF string, opts Options) (*Runner, string) {
	t.Helper()
	dir := newConfig(t, mainTF)
	r := newRunner(t, dir, opts)
	if err := r.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	return r, dir
}

// mustPlan plans to a file in dir and returns its path.
func mustPlan(t *testing.T, ctx context.Context, r *Runner, dir string) string {
	t.Helper()
	out := filepath.Join(dir, "tfplan")
	if _, err := r.Plan(ctx, out, ""); err != nil {
		t.Fatal(err)
	}
	return out
}

// jsonField returns a string field of a JSON object.
func jsonField(t *testing.T, object, field string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(object), &m); err != nil {
		t.Fatalf("%q: %v", object, err)
	}
	s, _ := m[field].(string)
	return s
}
