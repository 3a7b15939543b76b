package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeRefusesAnEmptyStoreFile checks that serve stops, saying why and
// what to do, when its store file exists but is empty, instead of starting
// on an empty store that has forgotten every job.
func TestServeRefusesAnEmptyStoreFile(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "csocbot.db")
	if err := os.WriteFile(db, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.yaml")
	yaml := "listen: 127.0.0.1:1\ndata_dir: " + dir + "\nstore:\n  path: " + db + `
github:
  token_env: TEST_TOKEN
  webhook_secret_env: TEST_SECRET
repositories:
  - name: csoc/infra
    kind: infra
sandbox:
  mode: off # what this machine allows is not the point here
`
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TEST_TOKEN", "ghp_x")
	t.Setenv("TEST_SECRET", "s")
	// Were the file taken for a new store, serve would run until ctx ends.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stderrBuf bytes.Buffer
	code := run(ctx, []string{"serve", "--config", cfg}, io.Discard, &stderrBuf)
	stderr := stderrBuf.String()
	if code != 1 || !strings.Contains(stderr, "the store file "+db+" is empty") || !strings.Contains(stderr, "Restore it from a backup") {
		t.Errorf("exit %d, stderr %q; want 1 and a message saying the store file is empty and what to do", code, stderr)
	}
	if info, err := os.Stat(db); err != nil || info.Size() != 0 {
		t.Errorf("the store file was changed: %v, %v", info, err)
	}
}
