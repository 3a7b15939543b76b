package github_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/csocbot/csocbot/internal/fakegithub"
	"github.com/csocbot/csocbot/notify/github"
	"github.com/csocbot/csocbot/notify/vcs"
)

// testToken is the personal access token the tests authenticate with.
const testToken = "ghp_T3stT0kenThatMustNeverBeLogged0123456789"

// openedFixture is the webhook payload the tests' pull request comes from.
const openedFixture = "pull_request/opened.payload.json"

// The fixture's pull request.
const (
	fixtureHeadSHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
	fixtureBaseSHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
)

// fastRetry is a retry policy with waits short enough for tests.
func fastRetry() github.RetryPolicy {
	return github.RetryPolicy{
		MaxAttempts:            4,
		BaseDelay:              time.Millisecond,
		MaxDelay:               5 * time.Millisecond,
		MaxRateLimitWait:       5 * time.Second,
		SecondaryRateLimitWait: 20 * time.Millisecond,
		MaxElapsed:             10 * time.Second,
	}
}

// env is a fake GitHub serving the opened fixture's pull request and a
// client of it.
type env struct {
	fake   *fakegithub.Server
	client *github.APIClient
	repo   vcs.Repo
	pr     int
}

// newEnv starts a fake GitHub with the opened fixture's pull request and a
// token client of it with fastRetry. opts may change the client's options.
func newEnv(t *testing.T, opts ...func(*github.Options)) *env {
	t.Helper()
	fake := fakegithub.New(t)
	fake.AddToken(testToken, "csocbot")
	fullName, pr := fake.LoadPullRequest(openedFixture)
	repo, err := vcs.ParseRepo(fullName)
	if err != nil {
		t.Fatal(err)
	}
	o := github.Options{BaseURL: fake.URL(), Retry: fastRetry(), Logger: testLogger(t, t.Output())}
	for _, f := range opts {
		f(&o)
	}
	client, err := github.NewTokenClient(testToken, o)
	if err != nil {
		t.Fatal(err)
	}
	return &env{fake: fake, client: client, repo: repo, pr: pr}
}

// testLogger logs at debug level to w.
func testLogger(t *testing.T, w io.Writer) *slog.Logger {
	t.Helper()
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// callsTo returns the calls with method to path.
func callsTo(calls []fakegithub.Call, method, path string) []fakegithub.Call {
	var out []fakegithub.Call
	for _, c := range calls {
		if c.Method == method && c.Path == path {
			out = append(out, c)
		}
	}
	return out
}
