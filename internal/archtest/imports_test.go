// Package archtest checks the module's import graph against the layering
// the code relies on: the planner and the policy engine know nothing of
// the server or of notifiers, the policy engine knows nothing of the
// planner, the plan engine renders nothing, and only the command wires
// the concrete implementations of the seams the workflows declare.
package archtest

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/csocbot/csocbot/"

// pkg is one package of the module and what its non-test files import,
// directly and all told.
type pkg struct {
	path    string // relative to the module, such as "planner/engine"
	imports []string
	deps    []string
}

// packages lists the module's packages with go list.
func packages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-f", `{{.ImportPath}}{{"\t"}}{{join .Imports " "}}{{"\t"}}{{join .Deps " "}}`, "./...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Skipf("go list: %v", err)
	}
	var pkgs []pkg
	// Only newlines are trimmed: a package without imports ends its line
	// in two tabs.
	for line := range strings.Lines(strings.TrimRight(string(out), "\n")) {
		f := strings.Split(strings.TrimRight(line, "\n"), "\t")
		if len(f) != 3 || !strings.HasPrefix(f[0], module) {
			t.Fatalf("go list printed %q", line)
		}
		pkgs = append(pkgs, pkg{path: strings.TrimPrefix(f[0], module), imports: inModule(f[1]), deps: inModule(f[2])})
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages; is the test run from the module?", len(pkgs))
	}
	return pkgs
}

// inModule keeps the module's packages of a space-separated list, relative
// to the module.
func inModule(list string) []string {
	var out []string
	for p := range strings.FieldsSeq(list) {
		if rel, ok := strings.CutPrefix(p, module); ok {
			out = append(out, rel)
		}
	}
	return out
}

// under reports whether path is tree or a package below it.
func under(path, tree string) bool { return path == tree || strings.HasPrefix(path, tree+"/") }

func underAny(path string, trees ...string) bool {
	return slices.ContainsFunc(trees, func(tree string) bool { return under(path, tree) })
}

// TestLayers checks what the planner, the policy engine and the plan
// engine may depend on, directly or through other packages.
func TestLayers(t *testing.T) {
	rules := []struct {
		from   []string // the packages the rule is about
		not    []string // what they must not depend on
		reason string
	}{
		{[]string{"planner", "policy"}, []string{"server", "notify"}, "the planner and the policy engine serve any caller"},
		{[]string{"policy"}, []string{"planner"}, "policy evaluates documents; the glue to the planner is server/workflow/policycheck"},
		{[]string{"planner/engine"}, []string{"planner/comment"}, "the engine plans; the workflow builds and renders the report"},
	}
	for _, p := range packages(t) {
		for _, r := range rules {
			if !underAny(p.path, r.from...) {
				continue
			}
			for _, d := range p.deps {
				if underAny(d, r.not...) {
					t.Errorf("%s depends on %s: %s", p.path, d, r.reason)
				}
			}
		}
	}
}

// concrete are the implementations of the workflows' seams (GitHub, the
// SQLite store): the command wires them, nothing else imports them.
var concrete = []string{"notify/github", "store/sqlite", "store/postgres"}

// TestOnlyTheCommandWiresImplementations checks that outside cmd/ no
// package's non-test files import a concrete implementation of a seam,
// other than the implementation's own packages.
func TestOnlyTheCommandWiresImplementations(t *testing.T) {
	for _, p := range packages(t) {
		if under(p.path, "cmd") {
			continue
		}
		for _, imp := range p.imports {
			if !underAny(imp, concrete...) || under(p.path, imp) {
				continue
			}
			t.Errorf("%s imports %s: only cmd/ wires concrete implementations; declare what it needs as an interface of its consumer", p.path, imp)
		}
	}
}
