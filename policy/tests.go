package policy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestResult is the outcome of one Rego unit test (a test_ rule).
type TestResult struct {
	Name   string // package.rule
	File   string
	Passed bool
	// Problem says why a test did not pass: failed, errored (with the
	// error) or skipped.
	Problem string
}

// RunTests runs the Rego unit tests of the policy files in dir (every
// .rego file, tests included), as `opa test` would, with built-in errors
// treated as failures.
func RunTests(ctx context.Context, dir string) ([]TestResult, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.rego"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no .rego files in %s", dir)
	}
	sort.Strings(files)
	modules := map[string]*ast.Module{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		m, err := ast.ParseModuleWithOpts(f, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", f, err)
		}
		modules[f] = m
	}
	ch, err := tester.NewRunner().
		SetDefaultRegoVersion(ast.RegoV1).
		RaiseBuiltinErrors(true).
		SetModules(modules).
		Run(ctx, modules)
	if err != nil {
		return nil, fmt.Errorf("run the Rego tests in %s: %w", dir, err)
	}
	var out []TestResult
	for r := range ch {
		res := TestResult{Name: strings.TrimPrefix(r.Package, "data.") + "." + r.Name, Passed: r.Pass()}
		if r.Location != nil {
			res.File = r.Location.File
		}
		switch {
		case r.Error != nil:
			res.Passed, res.Problem = false, "errored: "+r.Error.Error()
		case r.Skip:
			res.Passed, res.Problem = false, "skipped"
		case r.Fail:
			res.Problem = "failed"
		}
		out = append(out, res)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no Rego tests (test_ rules) in %s", dir)
	}
	return out, nil
}
