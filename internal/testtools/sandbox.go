package testtools

import (
	"os"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/planner/sandbox"
)

// Sandbox returns a confiner whose launcher is this test binary (its
// TestMain must call sandbox.Main first), with the protections this
// kernel allows. It skips the test, saying why, where programs cannot be
// confined at all.
func Sandbox(t testing.TB) sandbox.Confiner {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	report := sandbox.Probe(t.Context(), self)
	if !report.FileSystem {
		t.Skipf("this kernel cannot confine programs: %s", strings.Join(report.Problems, "; "))
	}
	return sandbox.Confiner{Self: self, PIDNamespace: report.PIDNamespace}
}
