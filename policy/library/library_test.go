package library_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/testtools"
	"github.com/csocbot/csocbot/policy"
)

// regoFiles returns every .rego file in this folder, sorted.
func regoFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.rego")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no .rego files found")
	}
	sort.Strings(files)
	return files
}

// TestRegoLibrary runs every OPA unit test in the library and fails on any
// failed, errored or skipped test, or a test file with no tests.
func TestRegoLibrary(t *testing.T) {
	results, err := policy.RunTests(context.Background(), ".")
	if err != nil {
		t.Fatal(err)
	}
	perFile := map[string]int{}
	for _, r := range results {
		perFile[filepath.Clean(r.File)]++
		if !r.Passed {
			t.Errorf("%s %s (%s)", r.Name, r.Problem, r.File)
		}
	}
	for _, f := range regoFiles(t) {
		if strings.HasSuffix(f, "_test.rego") && perFile[filepath.Clean(f)] == 0 {
			t.Errorf("%s contains no test_ rules", f)
		}
	}
}

var (
	packageLine = regexp.MustCompile(`(?m)^package csocbot\.([a-z0-9_]+)\s*$`)
	corpusCite  = regexp.MustCompile(`(?m)^#.*\b(uc-cdis|Su-informatics-lab|indiana-university)/[^\s]+\.(hcl|tf|tfvars|json|yaml|md)\b`)
	ruleHead    = regexp.MustCompile(`(?m)^(deny|warn) contains msg if`)
)

// TestRuleFilesHaveTestsAndCitations checks that every rule file has a
// sibling _test.rego, is in package csocbot.<file name>, produces deny or warn
// messages, and cites a file of the Gen3 corpus in a comment.
func TestRuleFilesHaveTestsAndCitations(t *testing.T) {
	rules := 0
	cited := map[string][]string{} // rule file -> corpus files it cites
	for _, f := range regoFiles(t) {
		if strings.HasSuffix(f, "_test.rego") {
			if _, err := os.Stat(strings.TrimSuffix(f, "_test.rego") + ".rego"); err != nil {
				t.Errorf("%s has no rule file beside it", f)
			}
			continue
		}
		rules++
		name := strings.TrimSuffix(f, ".rego")
		if _, err := os.Stat(name + "_test.rego"); err != nil {
			t.Errorf("%s has no %s_test.rego beside it", f, name)
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := string(src)
		if m := packageLine.FindStringSubmatch(text); m == nil || m[1] != name {
			t.Errorf("%s: want `package csocbot.%s`", f, name)
		}
		if !ruleHead.MatchString(text) {
			t.Errorf("%s: no `deny contains msg if` or `warn contains msg if` rule", f)
		}
		cites := corpusCite.FindAllStringSubmatch(text, -1)
		if len(cites) == 0 {
			t.Errorf("%s: no comment citing a file of the Gen3 corpus (shared/corpus/gen3/)", f)
		}
		for _, c := range cites {
			p := strings.TrimSpace(strings.TrimPrefix(c[0], "#"))
			p = p[strings.Index(p, c[1]):]
			cited[f] = append(cited[f], strings.Fields(p)[0])
		}
	}
	if rules == 0 {
		t.Fatal("no rule files")
	}
	t.Run("cited files exist", func(t *testing.T) {
		corpus := testtools.SharedPath(t, "corpus", "gen3")
		if _, err := os.Stat(corpus); err != nil {
			t.Skipf("the Gen3 corpus is not beside the project (%v): citations not checked", err)
		}
		for f, paths := range cited {
			for _, p := range paths {
				if _, err := os.Stat(filepath.Join(corpus, p)); err != nil {
					t.Errorf("%s cites %s, which is not in the corpus", f, p)
				}
			}
		}
	})
}
