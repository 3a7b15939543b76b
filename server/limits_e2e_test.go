package server

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/csocbot/csocbot/internal/fakegithub"
	"github.com/csocbot/csocbot/notify/vcs"
	"github.com/csocbot/csocbot/store"
)

// planStatus returns the newest csocbot/plan status of the pull request's
// head, or a zero one.
func (e *e2e) planStatus() fakegithub.Status {
	for _, s := range e.gh.Statuses(e.repo, e.headSHA) {
		if s.Context == vcs.PlanContext {
			return s
		}
	}
	return fakegithub.Status{}
}

// commentSaying returns the first comment on the pull request containing
// every one of parts, or "".
func (e *e2e) commentSaying(parts ...string) string {
	for _, c := range e.gh.Comments(e.repo, e.pr) {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(c.Body, p)
		}
		if all {
			return c.Body
		}
	}
	return ""
}

// activeJobs counts the queued and running jobs.
func (e *e2e) activeJobs() int {
	jobs, err := e.st.ListJobs(context.Background(), store.JobFilter{States: []store.JobState{store.JobQueued, store.JobRunning}})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(jobs)
}

// TestEndToEndCrashedPlanIsFailedNotRunAgain starts a server on a store
// where a plan is still running, as a process that died during it (perhaps
// of it) leaves it: the plan is failed, not run again, its pending status
// turns to error, and the pull request is told how to plan again.
func TestEndToEndCrashedPlanIsFailedNotRunAgain(t *testing.T) {
	e := newE2E(t)
	ctx := context.Background()
	_, resp := post(t, e.srv.Handler(), delivery{event: "pull_request", id: "crash-1", body: e.openedPayload()})
	// The dead process had claimed the plan and set its status pending.
	if _, ok, err := e.st.Claim(ctx, "dead-worker", time.Minute, store.KindPlan); !ok || err != nil {
		t.Fatalf("claim: %v %v", ok, err)
	}
	e.srv.status(ctx, resp.Job, vcs.Repo{Owner: "Codertocat", Name: "Hello-World"}, e.headSHA, vcs.PlanContext, vcs.StatusPending, "Planning…")

	e.start()
	e.waitFor("the comment about the crashed plan", func() bool {
		return e.commentSaying(fmt.Sprintf("(job %d), perhaps because the job crashed it", resp.Job), "Comment `csocbot plan` to plan again.") != ""
	})
	e.waitFor("the plan status to leave pending", func() bool { return e.planStatus().State == "error" })
	if d := e.planStatus().Description; !strings.Contains(d, "csocbot stopped while planning") {
		t.Errorf("status description %q does not say what happened", d)
	}
	time.Sleep(3 * pollInterval) // time for a worker to (wrongly) claim it
	if j, _ := e.st.GetJob(ctx, resp.Job); j.State != store.JobFailed {
		t.Errorf("the crashed plan is %s, want failed", j.State)
	}
	if n := e.activeJobs(); n != 0 {
		t.Errorf("%d jobs queued or running, want none: the crashed plan must not run again", n)
	}
	if n := len(e.planComments()); n != 0 {
		t.Errorf("%d plan comments: the crashed plan ran again", n)
	}
}

// TestEndToEndShutdownQueuesTheRunningPlanAgain stops the server cleanly
// during a plan: the plan did not crash anything, so it goes back to the
// queue, its attempt uncounted, for the next start.
func TestEndToEndShutdownQueuesTheRunningPlanAgain(t *testing.T) {
	e := newE2E(t)
	e.commit(func(e *e2e) {
		e.src.Write("terraform/big/main.tf", "resource \"terraform_data\" \"r\" {\n  count = 30000\n  input = count.index\n}\n")
	})
	e.start()
	_, resp := post(t, e.srv.Handler(), delivery{event: "pull_request", id: "shutdown-1", body: e.openedPayload()})
	e.waitFor("the plan to run", func() bool {
		j, _ := e.st.GetJob(context.Background(), resp.Job)
		return j.State == store.JobRunning
	})
	e.stop()
	if j, _ := e.st.GetJob(context.Background(), resp.Job); j.State != store.JobQueued || j.Attempts != 0 {
		t.Errorf("after a clean shutdown the plan is %s after %d attempts, want queued after 0", j.State, j.Attempts)
	}
}

// TestEndToEndPlanCommentPostedOnceDespiteALostAnswer has the fake GitHub
// create the plan comment but answer 502: the plan is still posted once.
func TestEndToEndPlanCommentPostedOnceDespiteALostAnswer(t *testing.T) {
	e := newE2E(t)
	path := fmt.Sprintf("/repos/%s/issues/%d/comments", e.repo, e.pr)
	e.gh.Inject(fakegithub.LostAnswer(502, 1).On("POST", path))
	e.start()
	_, resp := post(t, e.srv.Handler(), delivery{event: "pull_request", id: "lost-1", body: e.openedPayload()})
	e.waitFor("the plan job to finish", func() bool {
		j, _ := e.st.GetJob(context.Background(), resp.Job)
		return j.State == store.JobDone
	})
	if n := len(e.planComments()); n != 1 {
		t.Errorf("%d plan comments, want 1", n)
	}
	posts := 0
	for _, c := range e.gh.Calls() {
		if c.Method == "POST" && c.Path == path {
			posts++
		}
	}
	if posts != 1 {
		t.Errorf("%d comment POSTs, want the one GitHub answered 502 (it had created the comment)", posts)
	}
	if s := e.planStatus(); s.State != "success" {
		t.Errorf("plan status %s %q, want success", s.State, s.Description)
	}
}

// TestEndToEndPlanFailingForGoodSetsStatusError makes a plan's last attempt
// fail (its base branch cannot be fetched): the status turns from pending
// to error and the pull request is told why.
func TestEndToEndPlanFailingForGoodSetsStatusError(t *testing.T) {
	e := newE2E(t)
	payload := fixture(t, "pull_request/opened.payload.json", func(m map[string]any) {
		obj(m, "pull_request", "head")["sha"] = e.headSHA
		obj(m, "pull_request", "base")["ref"] = "no-such-branch"
	})
	_, resp := post(t, e.srv.Handler(), delivery{event: "pull_request", id: "doomed-1", body: payload})
	// The attempts before the last failed already (their backoffs would
	// make the test wait minutes).
	db, err := sql.Open("sqlite", e.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE jobs SET attempts = ? WHERE id = ?`, store.MaxAttempts-1, resp.Job); err != nil {
		t.Fatal(err)
	}

	e.start()
	e.waitFor("the plan status to turn to error", func() bool { return e.planStatus().State == "error" })
	if d := e.planStatus().Description; !strings.HasPrefix(d, "Plan failed: fetch Codertocat/Hello-World") || len(d) > 140 {
		t.Errorf("status description %q, want the failure, at most 140 characters", d)
	}
	e.waitFor("the comment saying why", func() bool {
		return e.commentSaying(fmt.Sprintf("could not finish a `plan` job for this pull request (job %d) after %d attempts", resp.Job, store.MaxAttempts),
			"fetch Codertocat/Hello-World", "Comment `csocbot plan` to plan again.") != ""
	})
	if j, _ := e.st.GetJob(context.Background(), resp.Job); j.State != store.JobFailed {
		t.Errorf("job is %s, want failed", j.State)
	}
}
