package metrics

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/csocbot/csocbot/notify/slack"
	"github.com/csocbot/csocbot/notify/vcs"
	"github.com/csocbot/csocbot/policy"
	"github.com/csocbot/csocbot/store"
)

var errDown = errors.New("down")

// fakeGitHub answers every call with err.
type fakeGitHub struct{ err error }

func (f fakeGitHub) PullRequest(context.Context, vcs.Repo, int) (*vcs.PullRequest, error) {
	return &vcs.PullRequest{}, f.err
}
func (f fakeGitHub) Reviews(context.Context, vcs.Repo, int) ([]vcs.Review, error) { return nil, f.err }
func (f fakeGitHub) IsTeamMember(context.Context, string, string, string) (bool, error) {
	return true, f.err
}
func (f fakeGitHub) ListComments(context.Context, vcs.Repo, int) ([]vcs.Comment, error) {
	return nil, f.err
}
func (f fakeGitHub) CreateComment(context.Context, vcs.Repo, int, string) (vcs.Comment, error) {
	return vcs.Comment{ID: 7}, f.err
}
func (f fakeGitHub) MinimizeComment(context.Context, string, vcs.MinimizeReason) error { return f.err }
func (f fakeGitHub) AddReaction(context.Context, vcs.Repo, int64, vcs.Reaction) error  { return f.err }
func (f fakeGitHub) SetStatus(context.Context, vcs.Repo, string, vcs.Status) error     { return f.err }
func (f fakeGitHub) MergePullRequest(context.Context, vcs.Repo, int, string) (string, error) {
	return "abc", f.err
}
func (f fakeGitHub) CollaboratorPermission(context.Context, vcs.Repo, string) (vcs.Permission, error) {
	return vcs.Permission(0), f.err
}

func TestGitHubCountsCallsAndErrors(t *testing.T) {
	ctx, repo := context.Background(), vcs.Repo{Owner: "o", Name: "r"}
	calls := []struct {
		op   string
		call func(GitHubAPI) error
	}{
		{"pull_request", func(g GitHubAPI) error { _, err := g.PullRequest(ctx, repo, 1); return err }},
		{"reviews", func(g GitHubAPI) error { _, err := g.Reviews(ctx, repo, 1); return err }},
		{"team_membership", func(g GitHubAPI) error { _, err := g.IsTeamMember(ctx, "o", "t", "u"); return err }},
		{"list_comments", func(g GitHubAPI) error { _, err := g.ListComments(ctx, repo, 1); return err }},
		{"create_comment", func(g GitHubAPI) error { _, err := g.CreateComment(ctx, repo, 1, "hi"); return err }},
		{"minimize_comment", func(g GitHubAPI) error { return g.MinimizeComment(ctx, "n", vcs.MinimizeOutdated) }},
		{"add_reaction", func(g GitHubAPI) error { return g.AddReaction(ctx, repo, 1, vcs.ReactionEyes) }},
		{"set_status", func(g GitHubAPI) error { return g.SetStatus(ctx, repo, "abc", vcs.Status{}) }},
		{"merge", func(g GitHubAPI) error { _, err := g.MergePullRequest(ctx, repo, 1, "abc"); return err }},
		{"collaborator_permission", func(g GitHubAPI) error { _, err := g.CollaboratorPermission(ctx, repo, "u"); return err }},
	}
	for _, c := range calls {
		t.Run(c.op, func(t *testing.T) {
			m := New(prometheus.NewRegistry())
			ok, failing := m.GitHub(fakeGitHub{}), m.GitHub(fakeGitHub{err: errDown})
			if err := c.call(ok); err != nil {
				t.Fatalf("the call failed: %v", err)
			}
			if err := c.call(failing); !errors.Is(err, errDown) {
				t.Fatalf("the error was %v, want the inner one", err)
			}
			if got := testutil.ToFloat64(m.ghCalls.WithLabelValues(c.op)); got != 2 {
				t.Errorf("calls = %g, want 2", got)
			}
			if got := testutil.ToFloat64(m.ghErrors.WithLabelValues(c.op)); got != 1 {
				t.Errorf("errors = %g, want 1", got)
			}
		})
	}
}

// fakeSlack answers every call with err.
type fakeSlack struct{ err error }

func (f fakeSlack) Post(context.Context, string, string, slack.Message, bool) (string, string, error) {
	return "C1", "1.2", f.err
}
func (f fakeSlack) Update(context.Context, string, string, slack.Message) error { return f.err }

func TestSlackCountsCallsAndErrors(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		op   string
		call func(SlackAPI) error
	}{
		{"post", func(s SlackAPI) error { _, _, err := s.Post(ctx, "C1", "", slack.Message{}, false); return err }},
		{"update", func(s SlackAPI) error { return s.Update(ctx, "C1", "1.2", slack.Message{}) }},
	} {
		t.Run(c.op, func(t *testing.T) {
			m := New(prometheus.NewRegistry())
			if err := c.call(m.Slack(fakeSlack{})); err != nil {
				t.Fatal(err)
			}
			if err := c.call(m.Slack(fakeSlack{err: errDown})); !errors.Is(err, errDown) {
				t.Fatalf("the error was %v, want the inner one", err)
			}
			if got := testutil.ToFloat64(m.slackCalls.WithLabelValues(c.op)); got != 2 {
				t.Errorf("calls = %g, want 2", got)
			}
			if got := testutil.ToFloat64(m.slackErrs.WithLabelValues(c.op)); got != 1 {
				t.Errorf("errors = %g, want 1", got)
			}
		})
	}
}

func TestNilMetricsRecordsNothing(t *testing.T) {
	var m *Metrics
	m.WebhookHandled("push", "queued")
	m.JobClaimed("plan", time.Second)
	m.RunFinished("plan", "done", time.Second)
	m.TerraformCommand("plan", time.Second, nil)
	m.PolicyEvaluated(policy.PostPlan, time.Second)
	m.Watch(Sources{})
	gh := fakeGitHub{}
	if got := m.GitHub(gh); got != GitHubAPI(gh) {
		t.Error("a nil Metrics wrapped GitHub")
	}
}

func TestWebhookEventLabelIsBounded(t *testing.T) {
	m := New(prometheus.NewRegistry())
	for _, ev := range []string{"pull_request", "", "Pull-Request", strings.Repeat("a", 41), "x\ny"} {
		m.WebhookHandled(ev, "refused")
	}
	if got := testutil.ToFloat64(m.webhooks.WithLabelValues("pull_request", "refused")); got != 1 {
		t.Errorf("pull_request = %g, want 1", got)
	}
	if got := testutil.ToFloat64(m.webhooks.WithLabelValues("other", "refused")); got != 4 {
		t.Errorf("other = %g, want 4", got)
	}
}

// fakeStore has a queue and locks, or fails.
type fakeStore struct {
	queued, locks int
	err           error
}

func (f fakeStore) ListJobs(_ context.Context, filter store.JobFilter) ([]store.Job, error) {
	if len(filter.States) != 1 || filter.States[0] != store.JobQueued || filter.Limit == 0 {
		return nil, errors.New("the queue must be read by state, bounded")
	}
	return make([]store.Job, f.queued), f.err
}

func (f fakeStore) Locks(context.Context, string) ([]store.Lock, error) {
	return make([]store.Lock, f.locks), f.err
}

func TestWatchSamplesAtScrape(t *testing.T) {
	tests := []struct {
		name      string
		src       Sources
		want      string
		wantNames []string
	}{
		{
			name: "store, slack, sandbox",
			src:  Sources{Store: fakeStore{queued: 3, locks: 2}, SlackFailures: func() int64 { return 5 }, Sandboxed: true},
			want: `
# HELP csocbot_locks_held Unit locks held by pull requests, in every repository.
# TYPE csocbot_locks_held gauge
csocbot_locks_held 2
# HELP csocbot_queue_depth Jobs queued and not yet claimed (at most 10000 are counted).
# TYPE csocbot_queue_depth gauge
csocbot_queue_depth 3
# HELP csocbot_sandbox_available 1 when terraform runs are confined by the sandbox, 0 when they run unconfined.
# TYPE csocbot_sandbox_available gauge
csocbot_sandbox_available 1
# HELP csocbot_slack_delivery_failures_total Slack deliveries that failed and are retried later.
# TYPE csocbot_slack_delivery_failures_total counter
csocbot_slack_delivery_failures_total 5
`,
			wantNames: []string{"csocbot_locks_held", "csocbot_queue_depth", "csocbot_sandbox_available", "csocbot_slack_delivery_failures_total"},
		},
		{
			// A store that fails leaves its series out, not zero.
			name: "failing store",
			src:  Sources{Store: fakeStore{err: errDown}},
			want: `
# HELP csocbot_sandbox_available 1 when terraform runs are confined by the sandbox, 0 when they run unconfined.
# TYPE csocbot_sandbox_available gauge
csocbot_sandbox_available 0
`,
			wantNames: []string{"csocbot_locks_held", "csocbot_queue_depth", "csocbot_sandbox_available"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			New(reg).Watch(tt.src)
			if err := testutil.GatherAndCompare(reg, strings.NewReader(tt.want), tt.wantNames...); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestHandlerServesTheRegistry(t *testing.T) {
	m := New(prometheus.NewRegistry())
	m.RunFinished("plan", "done", 3*time.Second)
	m.TerraformCommand("init", time.Second, errDown)
	m.PolicyEvaluated(policy.PrePlan, time.Millisecond)
	m.JobClaimed("plan", -time.Second) // clocks of several replicas
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`csocbot_run_duration_seconds_sum{kind="plan",outcome="done"} 3`,
		`csocbot_terraform_command_duration_seconds_count{command="init",outcome="error"} 1`,
		`csocbot_policy_evaluation_seconds_count{moment="pre-plan"} 1`,
		`csocbot_queue_wait_seconds_sum{kind="plan"} 0`,
		"process_start_time_seconds",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
