package detect

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/planner/gitrepo"
)

// breakHCL leaves a block open: the file no longer parses.
const breakHCL = "\ninputs = {\n"

// TestDetectUnitsThatDoNotEvaluate checks that a unit whose configuration
// does not evaluate is reported with its error while every other affected
// unit is still selected, that the units depending on it are reported
// skipped naming it, and which changed files select such a unit.
func TestDetectUnitsThatDoNotEvaluate(t *testing.T) {
	hatcherySkipped := map[string]string{prod + "irsa-hatchery": "dependency " + prod + "s3-data could not be evaluated"}
	tests := []struct {
		name string
		// before changes the base revision; change makes the head.
		before, change func(r *gittest.Repo)
		wantUnits      []string          // in apply order
		wantSkipped    map[string]string // unit -> skip reason; the others are not skipped
		wantErrors     map[string][]string
		wantUnmatched  []string
	}{
		{
			name: "one broken unit among several",
			change: func(r *gittest.Repo) {
				r.Append(prod+"vpc/terragrunt.hcl", breakHCL)
				r.Replace(staging+"vpc/terragrunt.hcl", "10.", "10.1")
			},
			wantUnits: []string{prod + "eks", prod + "irsa-fence", prod + "irsa-hatchery", prod + "rds",
				staging + "vpc", staging + "eks", staging + "irsa-fence", staging + "rds"},
			wantSkipped: map[string]string{
				prod + "eks":           "dependency " + prod + "vpc could not be evaluated",
				prod + "rds":           "dependency " + prod + "vpc could not be evaluated",
				prod + "irsa-fence":    "dependency " + prod + "eks was skipped because " + prod + "vpc could not be evaluated",
				prod + "irsa-hatchery": "dependency " + prod + "eks was skipped because " + prod + "vpc could not be evaluated",
			},
			wantErrors: map[string][]string{prod + "vpc": {prod + "vpc/terragrunt.hcl:", "Fix this configuration and push again"}},
		},
		{
			name:       "dependency that does not exist",
			change:     func(r *gittest.Repo) { r.Replace(prod+"rds/terragrunt.hcl", `"../vpc"`, `"../network"`) },
			wantUnits:  []string{},
			wantErrors: map[string][]string{prod + "rds": {prod + "rds/terragrunt.hcl:", "Dependency not found", prod + "network, which has no terragrunt.hcl"}},
		},
		{
			name: "run_cmd from the pull request",
			change: func(r *gittest.Repo) {
				r.Replace(prod+"s3-data/terragrunt.hcl", "inputs = {", "inputs = {\n  who = run_cmd(\"id\")")
			},
			wantUnits:   []string{prod + "irsa-hatchery"},
			wantSkipped: hatcherySkipped,
			wantErrors:  map[string][]string{prod + "s3-data": {prod + "s3-data/terragrunt.hcl:", "run_cmd is disabled", "terragrunt.allow_run_cmd"}},
		},
		{
			name:      "a shared file the units read at the base revision",
			change:    func(r *gittest.Repo) { r.Append("_envcommon/eks.hcl", breakHCL) },
			wantUnits: []string{prod + "irsa-fence", prod + "irsa-hatchery", staging + "irsa-fence"},
			wantSkipped: map[string]string{
				prod + "irsa-fence":    "dependency " + prod + "eks could not be evaluated",
				prod + "irsa-hatchery": "dependency " + prod + "eks could not be evaluated",
				staging + "irsa-fence": "dependency " + staging + "eks could not be evaluated",
			},
			wantErrors: map[string][]string{prod + "eks": {"_envcommon/eks.hcl:"}, staging + "eks": {"_envcommon/eks.hcl:"}},
		},
		{
			name:        "a changed file in the folder of a unit broken at both revisions",
			before:      func(r *gittest.Repo) { r.Append(prod+"s3-data/terragrunt.hcl", breakHCL) },
			change:      func(r *gittest.Repo) { r.Write(prod+"s3-data/README.md", "# data bucket\n") },
			wantUnits:   []string{prod + "irsa-hatchery"},
			wantSkipped: hatcherySkipped,
			wantErrors:  map[string][]string{prod + "s3-data": {prod + "s3-data/terragrunt.hcl:"}},
		},
		{
			name:          "a file no unit reads may be read by a unit broken at both revisions",
			before:        func(r *gittest.Repo) { r.Append(prod+"s3-data/terragrunt.hcl", breakHCL) },
			change:        func(r *gittest.Repo) { r.Write("docs/runbook.md", "# runbook\n") },
			wantUnits:     []string{prod + "irsa-hatchery"},
			wantSkipped:   hatcherySkipped,
			wantErrors:    map[string][]string{prod + "s3-data": {prod + "s3-data/terragrunt.hcl:"}},
			wantUnmatched: []string{},
		},
		{
			name:      "a unit broken at both revisions that the change does not concern",
			before:    func(r *gittest.Repo) { r.Append(prod+"s3-data/terragrunt.hcl", breakHCL) },
			change:    func(r *gittest.Repo) { r.Append(staging+"rds/terragrunt.hcl", "\n") },
			wantUnits: []string{staging + "rds"},
		},
		{
			name:        "a broken dependency of a selected unit",
			before:      func(r *gittest.Repo) { r.Append(prod+"s3-data/terragrunt.hcl", breakHCL) },
			change:      func(r *gittest.Repo) { r.Append(prod+"irsa-hatchery/terragrunt.hcl", "\n") },
			wantUnits:   []string{prod + "irsa-hatchery"},
			wantSkipped: hatcherySkipped,
			wantErrors:  map[string][]string{prod + "s3-data": {prod + "s3-data/terragrunt.hcl:"}},
		},
		{
			name: "the module of a broken unit is not planned as a root",
			change: func(r *gittest.Repo) {
				r.Append(prod+"s3-data/terragrunt.hcl", breakHCL)
				r.Append("modules/s3-bucket/main.tf", "\n# note\n")
			},
			wantUnits:   []string{prod + "irsa-hatchery"},
			wantSkipped: hatcherySkipped,
			wantErrors:  map[string][]string{prod + "s3-data": {prod + "s3-data/terragrunt.hcl:"}},
		},
		{
			name:       "a new unit that does not evaluate",
			change:     func(r *gittest.Repo) { r.Write("live/gen3-prod/us-east-1/prod/cache/terragrunt.hcl", breakHCL) },
			wantUnits:  []string{},
			wantErrors: map[string][]string{prod + "cache": {prod + "cache/terragrunt.hcl:"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := gittest.New(t, filepath.Join("..", "..", "testdata", "infra"))
			if tt.before != nil {
				tt.before(r)
			}
			base := r.CommitAll("base")
			tt.change(r)
			res := detectOn(t, r, base, r.CommitAll(tt.name), Options{})

			if got := paths(res.Units); !slices.Equal(got, tt.wantUnits) {
				t.Errorf("units:\n got  %q\n want %q", got, tt.wantUnits)
			}
			for _, u := range res.Units {
				if u.Skipped != tt.wantSkipped[u.Path] {
					t.Errorf("%s skipped %q, want %q", u.Path, u.Skipped, tt.wantSkipped[u.Path])
				}
			}
			if res.Errors == nil {
				t.Error("errors is nil, want [] when empty")
			}
			var gotErrors []string
			for _, e := range res.Errors {
				gotErrors = append(gotErrors, e.Path)
				for _, w := range tt.wantErrors[e.Path] {
					if !strings.Contains(e.Error, w) {
						t.Errorf("error of %s %q\n does not contain %q", e.Path, e.Error, w)
					}
				}
			}
			var wantErrors []string
			for p := range tt.wantErrors {
				wantErrors = append(wantErrors, p)
			}
			slices.Sort(gotErrors)
			slices.Sort(wantErrors)
			if !slices.Equal(gotErrors, wantErrors) {
				t.Errorf("errors for %q, want %q", gotErrors, wantErrors)
			}
			if tt.wantUnmatched != nil && !slices.Equal(res.Unmatched, tt.wantUnmatched) {
				t.Errorf("unmatched = %q, want %q", res.Unmatched, tt.wantUnmatched)
			}
		})
	}
}

// TestDetectWarmFollowsBrokenUnits asks one Detector about revisions where
// units break, are fixed and break again, with broken and healthy bases,
// and checks every answer against a fresh Detector's.
func TestDetectWarmFollowsBrokenUnits(t *testing.T) {
	r := gittest.New(t, filepath.Join("..", "..", "testdata", "infra"))
	revs := map[string]string{"main": r.CommitAll("main")}
	branch := func(name string, change func()) {
		r.Git("checkout", "-q", "main")
		r.Git("checkout", "-q", "-b", strings.ReplaceAll(name, " ", "-"))
		change()
		revs[name] = r.CommitAll(name)
	}
	branch("broken vpc", func() { r.Append(prod+"vpc/terragrunt.hcl", breakHCL) })
	branch("fixed vpc", func() { r.Append(prod+"vpc/terragrunt.hcl", "\n# fixed\n") })
	branch("broken include", func() { r.Append("_envcommon/eks.hcl", breakHCL) })
	branch("broken data", func() { r.Append(prod+"s3-data/terragrunt.hcl", breakHCL) })
	r.Git("checkout", "-q", "broken-data")
	r.Write("docs/runbook.md", "# runbook\n")
	revs["broken data, docs"] = r.CommitAll("docs")
	r.Append(prod+"s3-data/terragrunt.hcl", "}\n")
	revs["data fixed again"] = r.CommitAll("fix")

	steps := [][2]string{ // base, head
		{"main", "broken vpc"}, {"main", "fixed vpc"}, {"main", "broken vpc"}, {"main", "broken include"},
		{"broken vpc", "fixed vpc"}, {"main", "broken data"}, {"broken data", "broken data, docs"},
		{"broken data", "data fixed again"}, {"main", "broken vpc"}, {"broken data, docs", "broken include"},
		{"main", "fixed vpc"}, {"fixed vpc", "broken vpc"},
	}
	repo, err := gitrepo.Open(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	warm := New(repo, Options{Root: r.Dir})
	for _, step := range steps {
		base, head := revs[step[0]], revs[step[1]]
		got, err := warm.Detect(context.Background(), base, head)
		if err != nil {
			t.Fatalf("%s..%s: %v", step[0], step[1], err)
		}
		want, err := freshDetect(t, r, base, head)
		if err != nil {
			t.Fatalf("%s..%s: fresh detector: %v", step[0], step[1], err)
		}
		if g, w := describeResult(got), describeResult(want); g != w {
			t.Errorf("%s..%s: warm detector answered\n%s\nfresh one\n%s", step[0], step[1], g, w)
		}
	}
}
