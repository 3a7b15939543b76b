package server

import (
	"context"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/store"
)

// TestEndToEndApplyRefusesAPlanStaleSinceADependencyApplied plans the eks
// on the vpc's real state, then applies a vpc change that replaces it
// (new outputs): the eks's saved plan holds the old vpc's outputs, so its
// apply is refused with "plan again", naming the vpc.
func TestEndToEndApplyRefusesAPlanStaleSinceADependencyApplied(t *testing.T) {
	const eks = "live/gen3-prod/us-east-1/prod/eks"
	state := t.TempDir()
	e := newE2EWith(t, e2eOptions{
		config: "apply: {enabled: true, requirements: [fresh_plan]}\n" +
			"terragrunt:\n  env:\n    CSOCBOT_STATE_DIR: " + state + "\n",
		sealer: testKeys(t),
	})
	e.gh.SetPermission(e.repo, "alice", "write")
	e.start()
	ctx := context.Background()
	planned := func(unit string) func() bool {
		return func() bool {
			runs, _ := e.st.Runs(ctx, e.repo, e.pr, e.headSHA)
			for _, r := range runs {
				if r.Unit == unit && r.State == store.RunPlanned {
					return true
				}
			}
			return false
		}
	}
	post(t, e.srv.Handler(), delivery{event: "pull_request", id: "open", body: e.openedPayload()})
	e.waitFor("the first plan", planned(vpc))
	e.deliverComment("alice", "csocbot apply -u "+vpc)
	e.waitFor("the vpc's first apply", func() bool { return e.commentSaying("csocbot apply of") != "" })

	// A new CIDR replaces the vpc; the eks is planned on its state now.
	e.commit(func(e *e2e) {
		e.src.Replace("live/gen3-prod/us-east-1/prod/vpc/terragrunt.hcl", "10.20.0.0/16", "10.30.0.0/16")
	})
	e.synchronize()
	e.waitFor("the plan of the new head", planned(eks))
	e.waitFor("the vpc's plan at the new head", planned(vpc))
	e.deliverComment("alice", "csocbot apply -u "+vpc)
	e.waitFor("the vpc's second apply", func() bool { return applyReports(e) == 2 })

	e.deliverComment("alice", "csocbot apply -u "+eks)
	e.waitFor("the eks's apply", func() bool { return strings.Contains(lastReply(e, "alice"), "did not apply") || applyReports(e) == 3 })
	reply := lastReply(e, "alice")
	want := "`" + eks + "`: `fresh_plan`: its dependency `" + vpc + "` was applied after this plan was made, and changed its outputs"
	if !strings.Contains(reply, want) || !strings.Contains(reply, "did not apply") {
		t.Errorf("the eks's apply: want it refused with %q:\n%s\n\nall comments:\n%s", want, reply, strings.Join(commentBodies(e), "\n----\n"))
	}
}

// applyReports counts csocbot's apply reports on the pull request.
func applyReports(e *e2e) int {
	return strings.Count(strings.Join(commentBodies(e), "\n"), "csocbot apply of")
}

// commentBodies are the bodies of the pull request's comments.
func commentBodies(e *e2e) []string {
	var out []string
	for _, c := range e.gh.Comments(e.repo, e.pr) {
		out = append(out, c.Body)
	}
	return out
}
