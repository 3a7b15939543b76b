package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/pgtest"
	"github.com/csocbot/csocbot/internal/testtools"
	"github.com/csocbot/csocbot/planner/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.Main()        // the test binary stands in for csocbot as the launcher
	code := pgtest.Run(m) // runs the tests, then stops the PostgreSQL they started
	removeBuiltBinary()
	os.Exit(code)
}

func TestPreviewSandboxed(t *testing.T) {
	testtools.Sandbox(t) // skips where this kernel cannot confine programs
	terraformConfig(t)
	repo, base, head := sampleChange(t)
	state := filepath.Join(repo.Dir, ".state") // the sample's local backend
	for _, tc := range []struct {
		name     string
		writable []string
		wantCode int
		want     string
	}{
		{"state folder writable", []string{"--writable", state}, 0, "📝 changes"},
		{"missing folder", []string{"--writable", filepath.Join(repo.Dir, "nope")}, 1, "--writable " + filepath.Join(repo.Dir, "nope") + ": "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.MkdirAll(state, 0o755); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"preview", "--repo", repo.Dir, "--base", base, "--head", head, "--cache", t.TempDir(), "--sandbox"}, tc.writable...)
			code, out, stderr := runCLI(t, args...)
			if code != tc.wantCode || !strings.Contains(out+stderr, tc.want) {
				t.Errorf("exit %d, want %d with %q:\n%s\n%s", code, tc.wantCode, tc.want, stderr, out)
			}
		})
	}
}
