package terragrunt

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/csocbot/csocbot/internal/testtools"
	"github.com/csocbot/csocbot/planner/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.Main() // the test binary is the launcher of sandboxed run_cmd
	os.Exit(m.Run())
}

// run_cmd, where an operator enabled it, runs confined: it reads the
// repository, and nothing outside it.
func TestRunCmdSandboxed(t *testing.T) {
	confiner := testtools.Sandbox(t)
	secret := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(secret, []byte("ghp_from_the_bot"), 0o600); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	files := map[string]string{
		"account.txt": "123456789012",
		ConfigFileName: `locals {
  account = run_cmd("cat", "account.txt")
  stolen  = run_cmd("sh", "-c", "cat ` + secret + ` 2>/dev/null || echo refused")
}`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ev, err := New(Options{Root: root, FS: os.DirFS(root), AllowRunCmd: true, Command: "plan",
		Sandbox: confiner})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ev.EvaluateUnit(context.Background(), ".")
	if err != nil {
		t.Fatal(err)
	}
	wantValue(t, cty.ObjectVal(cfg.Locals), `{account = "123456789012", stolen = "refused"}`)
}
