package workflow

import (
	"strings"
	"testing"

	"github.com/csocbot/csocbot/planner/comment"
	"github.com/csocbot/csocbot/planner/engine"
)

// TestCommentReportShowsEachStatus checks that every outcome of the
// engine reaches the comment: a blocked unit is shown blocked, a unit
// that does not evaluate failed with its error, and its dependent
// skipped naming it.
func TestCommentReportShowsEachStatus(t *testing.T) {
	const prod = "live/gen3-prod/us-east-1/prod/"
	run := &engine.Run{Results: []*engine.Result{
		{Path: prod + "vpc", Status: engine.Blocked, BlockReason: "blocked by policy set gen3"},
		{Path: prod + "s3-data", Status: engine.Failed, FailedCommand: "evaluate the configuration",
			ErrorTail: prod + "s3-data/terragrunt.hcl:5,1: Unclosed configuration block\nFix this configuration and push again."},
		{Path: prod + "irsa-hatchery", Status: engine.Skipped, SkipReason: "dependency " + prod + "s3-data could not be evaluated"},
		{Path: "terraform/csoc-dns", Status: engine.NoChanges},
	}}
	rep := commentReport(run, "t", func(unit string) string {
		if strings.HasPrefix(unit, prod) {
			return "prod"
		}
		return ""
	})
	want := map[string]comment.Status{
		prod + "vpc": comment.Blocked, prod + "s3-data": comment.Failed, prod + "irsa-hatchery": comment.Skipped, "terraform/csoc-dns": comment.NoChanges,
	}
	for _, u := range rep.Units {
		if u.Status != want[u.Path] {
			t.Errorf("%s: status %v, want %v", u.Path, u.Status, want[u.Path])
		}
		if env := u.Environment; (env == "prod") != strings.HasPrefix(u.Path, prod) {
			t.Errorf("%s: environment %q", u.Path, env)
		}
	}
	md := comment.Render(rep)
	for _, want := range []string{"`" + prod + "s3-data` | prod | | | | | ❌ failed", prod + "s3-data/terragrunt.hcl:", "Fix this configuration",
		"skipped: dependency " + prod + "s3-data could not be evaluated"} {
		if !strings.Contains(md, want) {
			t.Errorf("comment lacks %q:\n%s", want, md)
		}
	}
}
