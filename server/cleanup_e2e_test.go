package server

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/csocbot/csocbot/store"
)

// Closing a pull request, through its webhook, removes its plans' working
// directories and its refs in the mirror.
func TestEndToEndClosedPullRequestIsCleanedUp(t *testing.T) {
	e := newE2E(t)
	e.start()
	post(t, e.srv.Handler(), delivery{event: "pull_request", id: "clean-1", body: e.openedPayload()})
	e.waitFor("the plan comment", func() bool { return len(e.planComments()) > 0 })
	runs, err := e.st.Runs(context.Background(), e.repo, e.pr, e.headSHA)
	if err != nil || len(runs) == 0 {
		t.Fatalf("runs: %d, %v", len(runs), err)
	}
	var plans []string
	for _, r := range runs {
		if r.PlanPath != "" {
			plans = append(plans, r.PlanPath)
		}
	}
	if len(plans) == 0 {
		t.Fatal("no run recorded a plan file")
	}

	headRef := "refs/csocbot/pull/" + strconv.Itoa(e.pr) + "/head"
	if !mirrorHas(t, e, headRef) {
		t.Fatalf("the mirror has no %s to forget", headRef)
	}

	code, resp := post(t, e.srv.Handler(), delivery{event: "pull_request", id: "clean-2", body: fixture(t, "pull_request/closed.payload.json", func(m map[string]any) {
		m["number"] = float64(e.pr)
	})})
	if code != 202 || resp.Status != "queued" {
		t.Fatalf("closed webhook answered %d %+v", code, resp)
	}
	e.waitFor("the clean-up", func() bool {
		j, _ := e.st.GetJob(context.Background(), resp.Job)
		return j.State == store.JobDone
	})
	for _, p := range plans {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("the closed pull request's plan %s is still on disk (%v)", p, err)
		}
	}
	if mirrorHas(t, e, headRef) {
		t.Errorf("the mirror still has %s", headRef)
	}
}

// mirrorHas reports whether ref resolves in the mirror.
func mirrorHas(t *testing.T, e *e2e, ref string) bool {
	t.Helper()
	g, err := e.repos.Open(e.repo)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	_, err = g.ResolveCommit(ref)
	return err == nil
}
