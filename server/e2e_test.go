package server

import (
	"context"
	"fmt"
	"github.com/csocbot/csocbot/config"
	"log/slog"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/csocbot/csocbot/internal/fakegithub"
	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/notify/github"
	"github.com/csocbot/csocbot/notify/vcs"
	"github.com/csocbot/csocbot/planner/engine"
	"github.com/csocbot/csocbot/planner/tfrun"
	"github.com/csocbot/csocbot/policy"
	"github.com/csocbot/csocbot/server/metrics"
	"github.com/csocbot/csocbot/server/repocache"
	"github.com/csocbot/csocbot/server/workflow"
	"github.com/csocbot/csocbot/store"
	"github.com/csocbot/csocbot/store/sqlite"
)

const gitToken = "ghp_e2eToken"

// gitServer serves the repositories under root over HTTP with git's own
// http-backend, accepting only the token csocbot fetches with.
func gitServer(t testing.TB, root string) *httptest.Server {
	t.Helper()
	execPath, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		t.Skipf("git: %v", err)
	}
	backend := &cgi.Handler{
		Path: filepath.Join(strings.TrimSpace(string(execPath)), "git-http-backend"),
		Env:  []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user, pass, ok := r.BasicAuth(); !ok || user != "x-access-token" || pass != gitToken {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// e2e is a server wired to real parts: a git repository served over HTTP,
// the fake GitHub, a SQLite store and the real terraform.
type e2e struct {
	t       testing.TB
	src     *gittest.Repo
	git     *httptest.Server
	gh      *fakegithub.Server
	st      *sqlite.Store
	dbPath  string // the store's file
	srv     *Server
	cancel  context.CancelFunc
	done    chan error
	repo    string
	pr      int
	headSHA string
	eng     *engine.Engine
	repos   *repocache.Cache
}

func newE2E(t testing.TB) *e2e {
	t.Helper()
	return newE2EWith(t, e2eOptions{})
}

// e2eOptions add to the server's configuration and parts.
type e2eOptions struct {
	config   string // YAML appended to the configuration
	policies []policy.Set
	// sandbox and writable confine the engine's runs.
	sandbox  tfrun.Sandbox
	writable []string
	// prChange adds to the pull request's change.
	prChange func(src *gittest.Repo)
	// sealer keeps plan files for apply; credentials mints runs'.
	sealer      workflow.Sealer
	credentials workflow.Minter
	// slack and slackConfig post to a Slack.
	slack       SlackPoster
	slackConfig *config.Slack
	// metrics records, as serve wires it: GitHub's calls, terraform's
	// commands and policy evaluations too.
	metrics *metrics.Metrics
	logger  *slog.Logger // nil discards the logs
}

func newE2EWith(t testing.TB, opts e2eOptions) *e2e {
	t.Helper()
	bin, err := tfrun.Find(context.Background(), tfrun.FindOptions{})
	if err != nil {
		t.Skipf("no terraform: %v", err)
	}
	cli := filepath.Join(t.TempDir(), "terraformrc")
	os.WriteFile(cli, nil, 0o644)

	gitRoot := t.TempDir()
	src := gittest.New(t, filepath.Join("..", "testdata", "infra"))
	src.CommitAll("base")
	src.Git("checkout", "-q", "-b", "widen-vpc")
	src.Replace("live/gen3-prod/us-east-1/prod/vpc/terragrunt.hcl", "10.10.0.0/16", "10.20.0.0/16")
	if opts.prChange != nil {
		opts.prChange(src)
	}
	head := src.CommitAll("Widen the prod VPC")
	src.Git("checkout", "-q", "main")
	src.Git("update-ref", "refs/pull/2/head", head)
	// Serve the repository at /Codertocat/Hello-World.git, where the
	// configured GitHub keeps it.
	os.Mkdir(filepath.Join(gitRoot, "Codertocat"), 0o755)
	if err := os.Symlink(filepath.Join(src.Dir, ".git"), filepath.Join(gitRoot, "Codertocat", "Hello-World.git")); err != nil {
		t.Fatal(err)
	}

	e := &e2e{t: t, src: src, git: gitServer(t, gitRoot), gh: fakegithub.New(t), headSHA: head}
	e.gh.AddToken(gitToken, "csocbot-bot")
	e.repo, e.pr = e.gh.LoadPullRequest("pull_request/opened.payload.json")
	base := src.Git("rev-parse", "main")
	e.gh.EditPullRequest(e.repo, e.pr, func(pr map[string]any) {
		obj(pr, "head")["sha"] = head
		obj(pr, "base")["sha"] = base
		obj(pr, "base")["ref"] = "main"
	})

	cfg := testConfig(t, "workers: 1\n"+opts.config)
	cfg.GitHub.WebURL = e.git.URL + "/" // what api_url would name
	cfg.Slack = opts.slackConfig
	e.dbPath = filepath.Join(t.TempDir(), "csocbot.db")
	e.st, err = sqlite.Open(context.Background(), e.dbPath, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.st.Close() })
	gh, err := github.NewTokenClient(gitToken, github.Options{BaseURL: e.gh.URL() + "/"})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Options{Binary: bin, CacheDir: t.TempDir(), CLIConfigFile: cli, Env: cfg.Terragrunt.Env, Sandbox: opts.sandbox, Writable: opts.writable,
		ObserveCommand: opts.metrics.TerraformCommand})
	if err != nil {
		t.Fatal(err)
	}
	repos := repocache.New(t.TempDir(), gh.GitToken, slog.New(slog.DiscardHandler))
	e.eng, e.repos = eng, repos
	var policies *policy.Engine
	if len(opts.policies) > 0 {
		if policies, err = policy.Load(context.Background(), opts.policies, policy.WithObserver(opts.metrics.PolicyEvaluated)); err != nil {
			t.Fatal(err)
		}
	}
	e.srv, err = New(Deps{Config: cfg, Store: e.st, Replica: "replica-a", GitHub: opts.metrics.GitHub(gh), Metrics: opts.metrics, Sandboxed: opts.sandbox != nil, Logger: opts.logger, Repos: RepoCache(repos), Engine: eng, BotLogin: "csocbot-bot", Policies: policies,
		Sealer: opts.sealer, Credentials: opts.credentials, Slack: opts.slack})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *e2e) start() {
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel, e.done = cancel, make(chan error, 1)
	go func() { e.done <- e.srv.Run(ctx) }()
	e.t.Cleanup(e.stop)
}

func (e *e2e) stop() {
	if e.cancel != nil {
		e.cancel()
		<-e.done
		e.cancel = nil
	}
}

// openedPayload is the real opened webhook, pointed at the served
// repository and the pull request's real head.
func (e *e2e) openedPayload() []byte {
	return fixture(e.t, "pull_request/opened.payload.json", func(m map[string]any) {
		obj(m, "pull_request", "head")["sha"] = e.headSHA
		obj(m, "pull_request", "base")["ref"] = "main"
	})
}

// waitFor polls until cond holds, failing after a minute.
func (e *e2e) waitFor(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			jobs, _ := e.st.ListJobs(context.Background(), store.JobFilter{})
			e.t.Fatalf("timed out waiting for %s; jobs: %+v", what, jobs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (e *e2e) planComments() []fakegithub.Comment {
	var out []fakegithub.Comment
	for _, c := range e.gh.Comments(e.repo, e.pr) {
		if strings.Contains(c.Body, planMarker) {
			out = append(out, c)
		}
	}
	return out
}

// sendComment posts a comment by login on the pull request and delivers
// its webhook, and returns csocbot's reply to it.
func (e *e2e) sendComment(login, body string) string {
	e.t.Helper()
	before := len(e.gh.Comments(e.repo, e.pr)) + 1 // after the comment itself
	e.postCommentAs(login, body, "")
	var reply string
	e.waitFor("the reply to "+body, func() bool {
		for _, c := range e.gh.Comments(e.repo, e.pr)[before:] {
			if strings.HasPrefix(c.Body, "@"+login) {
				reply = c.Body
				return true
			}
		}
		return false
	})
	return reply
}

// commit commits a change to the pull request's branch, which becomes its
// head.
func (e *e2e) commit(edit func(*e2e)) {
	e.t.Helper()
	e.src.Git("checkout", "-q", "widen-vpc")
	edit(e)
	e.headSHA = e.src.CommitAll("another change")
	e.src.Git("checkout", "-q", "main")
	e.src.Git("update-ref", "refs/pull/2/head", e.headSHA)
	e.gh.EditPullRequest(e.repo, e.pr, func(pr map[string]any) { obj(pr, "head")["sha"] = e.headSHA })
}

// synchronize delivers the webhook of a push to the pull request.
func (e *e2e) synchronize() intakeResponse {
	e.t.Helper()
	_, resp := post(e.t, e.srv.Handler(), delivery{event: "pull_request", id: "push-" + e.headSHA, body: fixture(e.t, "pull_request/synchronize.payload.json", func(m map[string]any) {
		m["number"] = float64(e.pr)
		obj(m, "pull_request", "head")["sha"] = e.headSHA
		obj(m, "pull_request", "base")["ref"] = "main"
	})})
	if resp.Status != "queued" {
		e.t.Fatalf("synchronize: %+v", resp)
	}
	return resp
}

func TestEndToEndPlanOnOpenedPullRequest(t *testing.T) {
	e := newE2E(t)
	e.start()
	code, resp := post(t, e.srv.Handler(), delivery{event: "pull_request", id: "e2e-1", body: e.openedPayload()})
	if code != 202 || resp.Status != "queued" {
		t.Fatalf("webhook answered %d %+v", code, resp)
	}
	e.waitFor("the plan comment", func() bool { return len(e.planComments()) > 0 })
	body := e.planComments()[0].Body
	for _, want := range []string{"csocbot plan for `" + e.headSHA[:7] + "`", "`live/gen3-prod/us-east-1/prod/vpc`", "`live/gen3-prod/us-east-1/prod/eks`", "```diff"} {
		if !strings.Contains(body, want) {
			t.Errorf("plan comment lacks %q:\n%s", want, body)
		}
	}
	e.waitFor("the overall status", func() bool {
		for _, s := range e.gh.Statuses(e.repo, e.headSHA) {
			if s.Context == vcs.PlanContext && s.State == "success" {
				return true
			}
		}
		return false
	})
	unitStatuses := 0
	for _, s := range e.gh.Statuses(e.repo, e.headSHA) {
		if strings.HasPrefix(s.Context, "csocbot/plan: ") {
			unitStatuses++
		}
	}
	if unitStatuses != 5 {
		t.Errorf("%d unit statuses, want 5 (the vpc and its 4 dependents)", unitStatuses)
	}
	runs, err := e.st.Runs(context.Background(), e.repo, e.pr, e.headSHA)
	if err != nil || len(runs) != 5 {
		t.Errorf("recorded %d runs (%v), want 5", len(runs), err)
	}

	// A duplicate delivery produces no second run.
	code, resp = post(t, e.srv.Handler(), delivery{event: "pull_request", id: "e2e-1", body: e.openedPayload()})
	if code != 202 || resp.Status != "duplicate" {
		t.Errorf("redelivery answered %d %+v, want duplicate", code, resp)
	}

	// A comment asks for one unit: a new plan comment, the old one hidden.
	e.gh.AddComment(e.repo, e.pr, "octocat", "csocbot plan -u live/gen3-prod/us-east-1/prod/vpc")
	comment := fixture(t, "issue_comment/created.payload.json", func(m map[string]any) {
		obj(m, "issue")["pull_request"] = map[string]any{"url": "x"}
		obj(m, "issue")["number"] = float64(e.pr)
		c := obj(m, "comment")
		c["body"] = "csocbot plan -u live/gen3-prod/us-east-1/prod/vpc"
		c["id"] = float64(e.gh.Comments(e.repo, e.pr)[len(e.gh.Comments(e.repo, e.pr))-1].ID)
	})
	if code, resp := post(t, e.srv.Handler(), delivery{event: "issue_comment", id: "e2e-2", body: comment}); code != 202 || resp.Status != "queued" {
		t.Fatalf("comment webhook answered %d %+v", code, resp)
	}
	e.waitFor("the second plan comment", func() bool { return len(e.planComments()) == 2 })
	commandID := e.gh.Comments(e.repo, e.pr)[1].ID
	if rs := e.gh.Reactions(commandID); len(rs) != 1 || rs[0].Content != "eyes" {
		t.Errorf("reactions on the command comment = %+v, want eyes", rs)
	}
	plans := e.planComments()
	if !plans[0].Minimized || plans[0].MinimizedReason != "outdated" {
		t.Errorf("the first plan comment was not hidden as outdated: %+v", plans[0])
	}
	if strings.Contains(plans[1].Body, "prod/eks`") {
		t.Errorf("the requested plan includes units not asked for:\n%s", plans[1].Body)
	}
}

func TestEndToEndQueuedJobSurvivesARestart(t *testing.T) {
	e := newE2E(t)
	// The webhook is accepted while no worker runs, as if the process
	// stopped right after answering.
	if code, _ := post(t, e.srv.Handler(), delivery{event: "pull_request", id: "restart-1", body: e.openedPayload()}); code != 202 {
		t.Fatalf("webhook answered %d", code)
	}
	if len(e.planComments()) != 0 {
		t.Fatal("a plan ran without workers")
	}
	e.start()
	e.waitFor("the plan after the restart", func() bool { return len(e.planComments()) > 0 })
}

func TestEndToEndInterruptedCommandIsReported(t *testing.T) {
	e := newE2E(t)
	job, err := e.st.Enqueue(context.Background(), store.NewJob{Kind: store.KindCommentCommand, Key: prKey(e.repo, e.pr), Payload: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	// A previous process claimed it and died.
	if _, ok, err := e.st.Claim(context.Background(), "dead-worker", time.Minute, store.KindCommentCommand); !ok || err != nil {
		t.Fatalf("claim: %v %v", ok, err)
	}
	e.start()
	e.waitFor("the interruption comment", func() bool {
		for _, c := range e.gh.Comments(e.repo, e.pr) {
			if strings.Contains(c.Body, "csocbot stopped while it was running") {
				return true
			}
		}
		return false
	})
	got, _ := e.st.GetJob(context.Background(), job.ID)
	if got.State != store.JobFailed {
		t.Errorf("job state %s, want failed", got.State)
	}
}

func TestEndToEndNewPushCancelsTheRunningPlan(t *testing.T) {
	e := newE2E(t)
	// Make the pull request slow to plan: 30,000 resources.
	e.commit(func(e *e2e) {
		e.src.Write("terraform/big/main.tf", "resource \"terraform_data\" \"r\" {\n  count = 30000\n  input = count.index\n}\n")
	})
	e.start()

	_, first := post(t, e.srv.Handler(), delivery{event: "pull_request", id: "slow-1", body: e.openedPayload()})
	e.waitFor("the first plan to run", func() bool {
		j, _ := e.st.GetJob(context.Background(), first.Job)
		return j.State == store.JobRunning
	})
	time.Sleep(2 * time.Second) // into terraform
	pushed := time.Now()
	second := e.synchronize()
	e.waitFor("the second plan to start", func() bool {
		j, _ := e.st.GetJob(context.Background(), second.Job)
		return j.State == store.JobRunning
	})
	if waited := time.Since(pushed); waited > 20*time.Second {
		t.Errorf("the new push waited %s for the superseded plan", waited)
	}
	j, _ := e.st.GetJob(context.Background(), first.Job)
	if j.State != store.JobSuperseded {
		t.Errorf("first plan job is %s, want superseded", j.State)
	}
	if len(e.planComments()) != 0 {
		t.Error("the superseded plan posted a comment")
	}
}

// postCommentAs posts a comment by login on the pull request and
// delivers its webhook, with the given author_association ("" keeps the
// payload's), and returns the intake's answer.
func (e *e2e) postCommentAs(login, body, association string) intakeResponse {
	e.t.Helper()
	posted := e.gh.AddComment(e.repo, e.pr, login, body)
	payload := fixture(e.t, "issue_comment/created.payload.json", func(m map[string]any) {
		obj(m, "issue")["pull_request"] = map[string]any{"url": "x"}
		obj(m, "issue")["number"] = float64(e.pr)
		c := obj(m, "comment")
		c["body"] = body
		c["id"] = float64(posted.ID)
		if association != "" {
			c["author_association"] = association
		}
		obj(c, "user")["login"] = login
	})
	code, resp := post(e.t, e.srv.Handler(), delivery{event: "issue_comment", id: fmt.Sprintf("comment-%d", posted.ID), body: payload})
	if code != 202 || resp.Status != "queued" {
		e.t.Fatalf("comment webhook answered %d %+v", code, resp)
	}
	return resp
}
