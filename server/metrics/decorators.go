package metrics

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/csocbot/csocbot/notify/slack"
	"github.com/csocbot/csocbot/notify/vcs"
)

// GitHubAPI is what the server calls on GitHub (server.GitHub and
// server.PermissionReader), restated here because the server imports
// this package.
type GitHubAPI interface {
	PullRequest(ctx context.Context, repo vcs.Repo, number int) (*vcs.PullRequest, error)
	Reviews(ctx context.Context, repo vcs.Repo, number int) ([]vcs.Review, error)
	IsTeamMember(ctx context.Context, org, team, user string) (bool, error)
	ListComments(ctx context.Context, repo vcs.Repo, number int) ([]vcs.Comment, error)
	CreateComment(ctx context.Context, repo vcs.Repo, number int, body string) (vcs.Comment, error)
	MinimizeComment(ctx context.Context, nodeID string, reason vcs.MinimizeReason) error
	AddReaction(ctx context.Context, repo vcs.Repo, commentID int64, reaction vcs.Reaction) error
	SetStatus(ctx context.Context, repo vcs.Repo, sha string, status vcs.Status) error
	MergePullRequest(ctx context.Context, repo vcs.Repo, number int, headSHA string) (string, error)
	CollaboratorPermission(ctx context.Context, repo vcs.Repo, user string) (vcs.Permission, error)
}

// SlackAPI is what the server calls on Slack (server.SlackPoster).
type SlackAPI interface {
	Post(ctx context.Context, channel, threadTS string, m slack.Message, broadcast bool) (channelID, ts string, err error)
	Update(ctx context.Context, channel, ts string, m slack.Message) error
}

// GitHub returns gh counting its calls and their errors by operation.
// With a nil m it returns gh.
func (m *Metrics) GitHub(gh GitHubAPI) GitHubAPI {
	if m == nil {
		return gh
	}
	return countedGitHub{gh: gh, c: counter{calls: m.ghCalls, errors: m.ghErrors}}
}

// Slack returns s counting its calls and their errors by operation. With
// a nil m it returns s.
func (m *Metrics) Slack(s SlackAPI) SlackAPI {
	if m == nil {
		return s
	}
	return countedSlack{s: s, c: counter{calls: m.slackCalls, errors: m.slackErrs}}
}

// counter counts one service's calls.
type counter struct{ calls, errors *prometheus.CounterVec }

// count counts a call of operation that returned err, and returns err.
func (c counter) count(operation string, err error) error {
	c.calls.WithLabelValues(operation).Inc()
	if err != nil {
		c.errors.WithLabelValues(operation).Inc()
	}
	return err
}

type countedGitHub struct {
	gh GitHubAPI
	c  counter
}

func (g countedGitHub) PullRequest(ctx context.Context, repo vcs.Repo, number int) (*vcs.PullRequest, error) {
	pr, err := g.gh.PullRequest(ctx, repo, number)
	return pr, g.c.count("pull_request", err)
}

func (g countedGitHub) Reviews(ctx context.Context, repo vcs.Repo, number int) ([]vcs.Review, error) {
	r, err := g.gh.Reviews(ctx, repo, number)
	return r, g.c.count("reviews", err)
}

func (g countedGitHub) IsTeamMember(ctx context.Context, org, team, user string) (bool, error) {
	ok, err := g.gh.IsTeamMember(ctx, org, team, user)
	return ok, g.c.count("team_membership", err)
}

func (g countedGitHub) ListComments(ctx context.Context, repo vcs.Repo, number int) ([]vcs.Comment, error) {
	cs, err := g.gh.ListComments(ctx, repo, number)
	return cs, g.c.count("list_comments", err)
}

func (g countedGitHub) CreateComment(ctx context.Context, repo vcs.Repo, number int, body string) (vcs.Comment, error) {
	c, err := g.gh.CreateComment(ctx, repo, number, body)
	return c, g.c.count("create_comment", err)
}

func (g countedGitHub) MinimizeComment(ctx context.Context, nodeID string, reason vcs.MinimizeReason) error {
	return g.c.count("minimize_comment", g.gh.MinimizeComment(ctx, nodeID, reason))
}

func (g countedGitHub) AddReaction(ctx context.Context, repo vcs.Repo, commentID int64, reaction vcs.Reaction) error {
	return g.c.count("add_reaction", g.gh.AddReaction(ctx, repo, commentID, reaction))
}

func (g countedGitHub) SetStatus(ctx context.Context, repo vcs.Repo, sha string, status vcs.Status) error {
	return g.c.count("set_status", g.gh.SetStatus(ctx, repo, sha, status))
}

func (g countedGitHub) MergePullRequest(ctx context.Context, repo vcs.Repo, number int, headSHA string) (string, error) {
	sha, err := g.gh.MergePullRequest(ctx, repo, number, headSHA)
	return sha, g.c.count("merge", err)
}

func (g countedGitHub) CollaboratorPermission(ctx context.Context, repo vcs.Repo, user string) (vcs.Permission, error) {
	p, err := g.gh.CollaboratorPermission(ctx, repo, user)
	return p, g.c.count("collaborator_permission", err)
}

type countedSlack struct {
	s SlackAPI
	c counter
}

func (s countedSlack) Post(ctx context.Context, channel, threadTS string, m slack.Message, broadcast bool) (string, string, error) {
	id, ts, err := s.s.Post(ctx, channel, threadTS, m, broadcast)
	return id, ts, s.c.count("post", err)
}

func (s countedSlack) Update(ctx context.Context, channel, ts string, m slack.Message) error {
	return s.c.count("update", s.s.Update(ctx, channel, ts, m))
}
