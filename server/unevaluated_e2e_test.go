package server

import (
	"strings"
	"testing"

	"github.com/csocbot/csocbot/notify/vcs"
)

// TestEndToEndUnitThatDoesNotEvaluate is a pull request that widens the
// prod VPC and breaks the HCL of the prod data bucket: the comment has the
// plans of the VPC and its dependents next to the bucket's error with
// file:line, the unit depending on the bucket is skipped naming it, and
// the bucket's commit status and the overall one fail.
func TestEndToEndUnitThatDoesNotEvaluate(t *testing.T) {
	const prod = "live/gen3-prod/us-east-1/prod/"
	e := newE2E(t)
	e.commit(func(e *e2e) { e.src.Append(prod+"s3-data/terragrunt.hcl", "\ninputs = {\n") })
	e.start()
	if code, resp := post(t, e.srv.Handler(), delivery{event: "pull_request", id: "broken-1", body: e.openedPayload()}); code != 202 || resp.Status != "queued" {
		t.Fatalf("webhook answered %d %+v", code, resp)
	}
	e.waitFor("the plan comment", func() bool { return len(e.planComments()) > 0 })
	body := e.planComments()[0].Body
	for _, want := range []string{
		"<code>" + prod + "vpc</code>: 7 to add", "<code>" + prod + "eks</code>: ", "```diff",
		"`" + prod + "s3-data` | | | | | ❌ failed", prod + "s3-data/terragrunt.hcl:21:", "Fix this configuration and push again",
		"`" + prod + "irsa-hatchery` skipped: dependency " + prod + "s3-data could not be evaluated.",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("plan comment lacks %q:\n%s", want, body)
		}
	}

	latest := map[string]string{} // context -> the last state set
	e.waitFor("the overall status", func() bool {
		clear(latest)
		for _, s := range e.gh.Statuses(e.repo, e.headSHA) { // newest first
			if _, seen := latest[s.Context]; !seen {
				latest[s.Context] = s.State
			}
		}
		return latest[vcs.PlanContext] != "" && latest[vcs.PlanContext] != "pending"
	})
	for context, want := range map[string]string{
		vcs.PlanContext:                         "failure",
		vcs.UnitContext(prod + "s3-data"):       "failure",
		vcs.UnitContext(prod + "irsa-hatchery"): "failure",
		vcs.UnitContext(prod + "vpc"):           "success",
		vcs.UnitContext(prod + "eks"):           "success",
	} {
		if latest[context] != want {
			t.Errorf("status %s = %q, want %s", context, latest[context], want)
		}
	}
}
