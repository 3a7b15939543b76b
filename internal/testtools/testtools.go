// Package testtools finds the external tools some tests run for real, such
// as the Terragrunt CLI that Gen3 operators use, in the project's sibling
// shared folder (../shared, present on developer machines and in CI) or
// where an environment variable points. Tests that need a tool skip, naming
// what is missing, when it is in neither place: the project's tests pass on
// a clone without ../shared. It also holds the small helpers several
// packages' tests share, such as SyncBuffer.
package testtools

import (
	"os"
	"path/filepath"
	"testing"
)

// TerragruntVersion is the Terragrunt release Gen3 operators run and the
// one the shared folder holds.
const TerragruntVersion = "0.63.6"

// TerragruntEnv names the variable that points tests at a terragrunt
// executable instead of the shared folder's.
const TerragruntEnv = "CSOCBOT_TERRAGRUNT"

// Terragrunt returns the absolute path of the terragrunt executable: the
// one CSOCBOT_TERRAGRUNT names, or the shared folder's
// tools/terragrunt/v0.63.6/terragrunt. It skips the test when neither
// exists.
func Terragrunt(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(TerragruntEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("%s=%s: %v", TerragruntEnv, p, err)
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	p := SharedPath(t, "tools", "terragrunt", "v"+TerragruntVersion, "terragrunt")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("terragrunt %s not found (set %s or provide %s): %v", TerragruntVersion, TerragruntEnv, p, err)
	}
	return p
}

// SharedPath is the absolute path of elem below the shared folder beside
// the module's root (the directory holding go.mod), whether or not it
// exists.
func SharedPath(t testing.TB, elem ...string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no go.mod above the test's directory")
		}
		dir = parent
	}
	return filepath.Join(append([]string{filepath.Dir(dir), "shared"}, elem...)...)
}
