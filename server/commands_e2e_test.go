package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/csocbot/csocbot/internal/fakegithub"
	"github.com/csocbot/csocbot/store"
)

// deliverComment posts a comment by login on the pull request, delivers
// its webhook (from someone with no standing in the repository) and waits
// until csocbot has dealt with it.
func (e *e2e) deliverComment(login, body string) {
	e.t.Helper()
	job := e.postComment(login, body)
	e.waitFor("the comment job to finish", func() bool {
		j, err := e.st.GetJob(context.Background(), job)
		return err == nil && j.State == store.JobDone
	})
}

// postComment posts a comment by login, a stranger to GitHub's eyes
// (author_association NONE), delivers its webhook, and returns the job
// queued for it.
func (e *e2e) postComment(login, body string) int64 {
	e.t.Helper()
	return e.postCommentAs(login, body, "NONE").Job
}

// repliesTo returns csocbot's replies to login.
func (e *e2e) repliesTo(login string) []fakegithub.Comment {
	var out []fakegithub.Comment
	for _, c := range e.gh.Comments(e.repo, e.pr) {
		if strings.HasPrefix(c.Body, "@"+login+":") {
			out = append(out, c)
		}
	}
	return out
}

// planJobs counts the plan jobs queued for the pull request.
func (e *e2e) planJobs() int {
	jobs, err := e.st.ListJobs(context.Background(), store.JobFilter{Key: prKey(e.repo, e.pr)})
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, j := range jobs {
		if j.Kind == store.KindPlan {
			n++
		}
	}
	return n
}

// TestEndToEndCommandsNeedPermissionAndAnOpenPullRequest: commands from
// people without the configured permission, on closed pull requests or,
// without the operator's opt-in, on forks plan nothing and get one short
// reply an hour.
func TestEndToEndCommandsNeedPermissionAndAnOpenPullRequest(t *testing.T) {
	fork := func(pr map[string]any) { obj(pr, "head", "repo")["full_name"] = "mallory/Hello-World" }
	closed := func(pr map[string]any) { pr["state"] = "closed" }
	for _, tc := range []struct {
		name, login, role string
		edit              func(map[string]any)
		want              string
	}{
		{"a stranger on a fork", "mallory", "none", fork,
			"@mallory: `csocbot plan` needs write access to Codertocat/Hello-World; you have none."},
		{"a reader on a closed pull request", "mallory", "read", closed,
			"@mallory: `csocbot plan` needs write access to Codertocat/Hello-World; you have read."},
		{"a writer on a closed pull request", "wendy", "write", closed,
			"@wendy: `csocbot plan` runs only on open pull requests, and #2 is closed."},
		{"a triager", "tim", "triage", func(map[string]any) {},
			"@tim: `csocbot plan` needs write access to Codertocat/Hello-World; you have triage."},
		{"a writer on a fork without the operator's opt-in", "wendy", "write", fork,
			"@wendy: `csocbot plan` does not run on pull requests from forks in Codertocat/Hello-World"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newE2E(t)
			e.gh.SetPermission(e.repo, tc.login, tc.role)
			e.gh.EditPullRequest(e.repo, e.pr, tc.edit)
			e.start()

			e.deliverComment(tc.login, "csocbot plan")
			replies := e.repliesTo(tc.login)
			if len(replies) != 1 || !strings.HasPrefix(replies[0].Body, tc.want) {
				t.Fatalf("replies %+v, want one starting %q", replies, tc.want)
			}
			e.deliverComment(tc.login, "csocbot plan")
			if n := len(e.repliesTo(tc.login)); n != 1 {
				t.Errorf("%d replies after the second comment within the hour, want still 1", n)
			}
			if n := e.planJobs(); n != 0 {
				t.Errorf("%d plan jobs queued, want none", n)
			}
			if n := len(permissionCalls(e.gh.Calls(), tc.login)); n != 1 {
				t.Errorf("GitHub was asked %d times for %s's permission, want once", n, tc.login)
			}
			for _, c := range e.gh.Comments(e.repo, e.pr) {
				if rs := e.gh.Reactions(c.ID); len(rs) > 0 {
					t.Errorf("a refused comment got reactions %+v", rs)
				}
			}
		})
	}
}

// TestEndToEndOneCommentIsOnePlan: a writer's comment of 1,000 plan lines
// runs the first few (commands.max_per_comment) as one plan job, says the
// rest were ignored, and costs GitHub a bounded number of calls.
func TestEndToEndOneCommentIsOnePlan(t *testing.T) {
	e := newE2EWith(t, e2eOptions{config: "commands: {max_per_comment: 5}\n"})
	e.gh.SetPermission(e.repo, "wendy", "write")
	e.start()

	var body strings.Builder
	body.WriteString("csocbot plan -d live/gen3-prod/us-east-1/prod/vpc\n")
	for i := range 999 {
		fmt.Fprintf(&body, "csocbot plan -d live/nowhere-%d\n", i)
	}
	before := len(e.gh.Calls())
	e.deliverComment("wendy", body.String())
	e.waitFor("the plan comment", func() bool { return len(e.planComments()) == 1 })
	e.waitFor("the plan job to finish", func() bool {
		jobs, _ := e.st.ListJobs(context.Background(), store.JobFilter{Key: prKey(e.repo, e.pr), States: []store.JobState{store.JobDone}})
		for _, j := range jobs {
			if j.Kind == store.KindPlan {
				return true
			}
		}
		return false
	})

	if n := e.planJobs(); n != 1 {
		t.Errorf("%d plan jobs, want 1", n)
	}
	replies := e.repliesTo("wendy")
	if len(replies) != 1 || !strings.HasPrefix(replies[0].Body, "@wendy: csocbot runs at most 5 commands per comment and ignored the other 995.") {
		t.Errorf("replies %+v, want one saying 995 were ignored", replies)
	}
	if plan := e.planComments()[0].Body; !strings.Contains(plan, "`live/gen3-prod/us-east-1/prod/vpc`") || strings.Contains(plan, "prod/eks`") {
		t.Errorf("the plan is not of the vpc alone:\n%s", plan)
	}
	calls := e.gh.Calls()[before:]
	// React, read the pull request and the permission, reply; then the
	// plan: pending status, list comments, the plan comment, two statuses.
	if n := len(permissionCalls(calls, "wendy")); len(calls) > 12 || n != 1 {
		t.Errorf("GitHub saw %d calls (%d permission checks), want at most 12 and 1:\n%v", len(calls), n, callSummary(calls))
	}
}

// TestEndToEndHelpIsOpenAndForksNeedTheOptIn: anyone may ask for help,
// at no GitHub call but the reply; a writer plans a fork's pull request
// once the operator allows forks for the repository.
func TestEndToEndHelpIsOpenAndForksNeedTheOptIn(t *testing.T) {
	e := newE2E(t)
	e.gh.SetPermission(e.repo, "wendy", "write")
	e.gh.EditPullRequest(e.repo, e.pr, func(pr map[string]any) { obj(pr, "head", "repo")["full_name"] = "wendy/Hello-World" })
	e.srv.cfg.Repositories[0].AllowForkAutoplan = true
	e.start()

	e.deliverComment("mallory", "csocbot help")
	if r := e.repliesTo("mallory"); len(r) != 1 || !strings.Contains(r[0].Body, "Write one command per line") {
		t.Errorf("replies to a stranger's help: %+v", r)
	}
	if n := len(permissionCalls(e.gh.Calls(), "mallory")); n != 0 {
		t.Errorf("help asked GitHub %d times for a permission", n)
	}
	e.deliverComment("wendy", "csocbot plan -u live/gen3-prod/us-east-1/prod/vpc")
	e.waitFor("the plan of the fork", func() bool { return len(e.planComments()) == 1 })
}

// permissionCalls are the calls that read login's permission.
func permissionCalls(calls []fakegithub.Call, login string) []fakegithub.Call {
	var out []fakegithub.Call
	for _, c := range calls {
		if strings.HasSuffix(c.Path, "/collaborators/"+login+"/permission") {
			out = append(out, c)
		}
	}
	return out
}

func callSummary(calls []fakegithub.Call) string {
	var b strings.Builder
	for _, c := range calls {
		fmt.Fprintf(&b, "%s %s %d\n", c.Method, c.Path, c.Status)
	}
	return b.String()
}

// TestEndToEndClonesOnlyFromTheConfiguredGitHub: a webhook whose
// repository URLs name another host never sends the token there; the
// repository is fetched from the GitHub the configuration names.
func TestEndToEndClonesOnlyFromTheConfiguredGitHub(t *testing.T) {
	var mu sync.Mutex
	var stolen []string
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		stolen = append(stolen, r.Method+" "+r.URL.Path+" auth="+r.Header.Get("Authorization"))
		mu.Unlock()
		http.Error(w, "nothing here", http.StatusNotFound)
	}))
	defer attacker.Close()

	e := newE2E(t)
	e.start()
	payload := fixture(t, "pull_request/opened.payload.json", func(m map[string]any) {
		r := obj(m, "repository")
		for _, k := range []string{"clone_url", "git_url", "html_url", "url", "svn_url"} {
			r[k] = attacker.URL + "/Codertocat/Hello-World.git"
		}
		obj(m, "pull_request", "head")["sha"] = e.headSHA
		obj(m, "pull_request", "base")["ref"] = "main"
	})
	if code, resp := post(t, e.srv.Handler(), delivery{event: "pull_request", id: "hostile-url", body: payload}); code != 202 || resp.Status != "queued" {
		t.Fatalf("webhook answered %d %+v", code, resp)
	}
	e.waitFor("the plan comment", func() bool { return len(e.planComments()) > 0 })
	mu.Lock()
	defer mu.Unlock()
	if len(stolen) > 0 {
		t.Errorf("the host a webhook named was contacted: %q", stolen)
	}
}

// TestEndToEndPermissionUnknownRunsNothing: when GitHub will not say what
// a commenter may do, csocbot does nothing rather than guess.
func TestEndToEndPermissionUnknownRunsNothing(t *testing.T) {
	e := newE2E(t)
	e.gh.SetPermission(e.repo, "wendy", "write")
	e.gh.Inject(fakegithub.Fault{Method: "GET", Path: "/repos/Codertocat/Hello-World/collaborators/wendy/permission", Times: 1,
		Status: http.StatusForbidden, Body: `{"message":"Resource not accessible by integration"}`})
	e.start()

	job := e.postComment("wendy", "csocbot plan")
	e.waitFor("the comment job to fail", func() bool {
		j, err := e.st.GetJob(context.Background(), job)
		return err == nil && j.State == store.JobFailed
	})
	if n := e.planJobs(); n != 0 {
		t.Errorf("%d plan jobs queued, want none", n)
	}
}
