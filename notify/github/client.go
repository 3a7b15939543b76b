// Package github is csocbot's narrow GitHub client: the pull request,
// comment, reaction, commit status, review and team calls the server makes.
//
// It talks to GitHub's REST API through go-github, and to GraphQL for the
// one thing REST cannot do (hiding outdated comments), authenticated by a
// token or as a GitHub App installation, on github.com or GitHub Enterprise
// Server. Every request waits out rate limits and retries server errors and
// network failures within bounds (see RetryPolicy); a request go-github
// holds back because an earlier answer used up the primary rate limit waits
// for it to lift within the same bounds and the request's deadline, and
// fails at once when it lifts later. Credentials never appear in its errors
// or logs.
package github

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	gh "github.com/google/go-github/v62/github"

	"github.com/csocbot/csocbot/notify/vcs"
)

// Client is what csocbot needs from GitHub. Pull requests are addressed by
// repository and number, comments by id (REST) or node id (GraphQL).
type Client interface {
	// PullRequest returns a pull request.
	PullRequest(ctx context.Context, repo vcs.Repo, number int) (*vcs.PullRequest, error)
	// ChangedFiles lists the files a pull request changes (GitHub lists at
	// most 3,000).
	ChangedFiles(ctx context.Context, repo vcs.Repo, number int) ([]vcs.ChangedFile, error)
	// Reviews returns each reviewer's current review of a pull request.
	Reviews(ctx context.Context, repo vcs.Repo, number int) ([]vcs.Review, error)

	// ListComments lists a pull request's conversation comments, oldest
	// first. vcs.Marked picks csocbot's own among them.
	ListComments(ctx context.Context, repo vcs.Repo, number int) ([]vcs.Comment, error)
	// CreateComment comments on a pull request, once, even when GitHub
	// answers an error after posting it.
	CreateComment(ctx context.Context, repo vcs.Repo, number int, body string) (vcs.Comment, error)
	// UpdateComment replaces a comment's body.
	UpdateComment(ctx context.Context, repo vcs.Repo, commentID int64, body string) error
	// MinimizeComment hides a comment behind "This comment was marked as
	// …", keeping it one click away.
	MinimizeComment(ctx context.Context, nodeID string, reason vcs.MinimizeReason) error
	// AddReaction reacts to a comment; reacting again is not an error.
	AddReaction(ctx context.Context, repo vcs.Repo, commentID int64, reaction vcs.Reaction) error

	// SetStatus sets a commit status on a commit.
	SetStatus(ctx context.Context, repo vcs.Repo, sha string, status vcs.Status) error

	// TeamMembers lists the logins of a team's active members.
	TeamMembers(ctx context.Context, org, team string) ([]string, error)
	// IsTeamMember reports whether user is an active member of a team.
	IsTeamMember(ctx context.Context, org, team, user string) (bool, error)
}

var _ Client = (*APIClient)(nil)

// Options configures a client. The zero value talks to github.com.
type Options struct {
	// EnterpriseURL is a GitHub Enterprise Server's address, such as
	// https://github.example.com or https://github.example.com/api/v3/.
	// The REST API is under /api/v3/ and GraphQL at /api/graphql.
	EnterpriseURL string
	// BaseURL overrides the REST API root verbatim, for tests; GraphQL is
	// then served at BaseURL/graphql. It excludes EnterpriseURL.
	BaseURL string
	// Timeout bounds each HTTP attempt, from sending the request to
	// reading the response (default 30s). RetryPolicy.MaxElapsed bounds
	// the attempts and waits of a call together.
	Timeout time.Duration
	// Retry bounds retries and rate-limit waits.
	Retry RetryPolicy
	// Logger receives a warning for each retry and a debug record for
	// each attempt (default slog.Default()).
	Logger *slog.Logger
}

// AppCredentials authenticate as an installation of a GitHub App.
type AppCredentials struct {
	AppID          int64
	InstallationID int64
	// PrivateKey is the app's private key, PEM-encoded as GitHub issues it.
	PrivateKey []byte
}

const (
	defaultTimeout = 30 * time.Second
	githubAPI      = "https://api.github.com/"
	userAgent      = "csocbot"
)

// APIClient is the Client that talks to GitHub.
type APIClient struct {
	gh      *gh.Client
	policy  RetryPolicy // with its defaults
	rest    *url.URL    // REST API root, ending in /
	graphQL *url.URL
	// gitToken returns the token git uses over HTTPS: the personal token,
	// or a current installation token (they expire after an hour).
	gitToken func(ctx context.Context) (string, error)
}

// GitToken returns a token for fetching repositories over HTTPS as this
// client authenticates (username "x-access-token").
func (c *APIClient) GitToken(ctx context.Context) (string, error) { return c.gitToken(ctx) }

// NewTokenClient returns a client that authenticates with a personal access
// token (or any token GitHub takes as a bearer token).
func NewTokenClient(token string, opts Options) (*APIClient, error) {
	if token == "" {
		return nil, errors.New("github: the token is empty")
	}
	if strings.ContainsFunc(token, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return nil, errors.New("github: the token contains spaces or control characters")
	}
	c, retry, err := newClient(opts)
	if err != nil {
		return nil, err
	}
	c.use(&tokenTransport{token: token, next: retry})
	c.gitToken = func(context.Context) (string, error) { return token, nil }
	return c, nil
}

// NewAppClient returns a client that authenticates as an installation of a
// GitHub App, exchanging a JWT signed with the app's key for installation
// tokens and renewing them before they expire.
func NewAppClient(app AppCredentials, opts Options) (*APIClient, error) {
	switch {
	case app.AppID <= 0:
		return nil, errors.New("github: the app id must be positive")
	case app.InstallationID <= 0:
		return nil, errors.New("github: the installation id must be positive")
	case len(app.PrivateKey) == 0:
		return nil, errors.New("github: the app's private key is empty")
	}
	c, retry, err := newClient(opts)
	if err != nil {
		return nil, err
	}
	tr, err := ghinstallation.New(retry, app.AppID, app.InstallationID, app.PrivateKey)
	if err != nil {
		// The error names the problem, never the key's content.
		return nil, fmt.Errorf("github: the private key of app %d: %w", app.AppID, err)
	}
	tr.BaseURL = strings.TrimSuffix(c.rest.String(), "/")
	c.use(tr)
	c.gitToken = func(ctx context.Context) (string, error) {
		tok, err := tr.Token(ctx)
		if err != nil {
			return "", fmt.Errorf("github: installation token for app %d: %w", app.AppID, err)
		}
		return tok, nil
	}
	return c, nil
}

// newClient builds what both kinds of client share and returns the
// retrying transport for the caller to authenticate.
func newClient(opts Options) (*APIClient, *retryTransport, error) {
	rest, graphQL, err := endpoints(opts)
	if err != nil {
		return nil, nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	policy := opts.Retry.withDefaults()
	retry := &retryTransport{
		next:    http.DefaultTransport,
		policy:  policy,
		timeout: timeout,
		log:     log,
	}
	return &APIClient{policy: policy, rest: rest, graphQL: graphQL}, retry, nil
}

// use makes the go-github client that sends requests through transport.
func (c *APIClient) use(transport http.RoundTripper) {
	c.gh = gh.NewClient(&http.Client{Transport: transport, CheckRedirect: sameHostRedirect})
	c.gh.BaseURL = c.rest
	c.gh.UserAgent = userAgent
}

// endpoints returns the REST root and GraphQL endpoint opts select.
func endpoints(opts Options) (rest, graphQL *url.URL, err error) {
	raw, graphQLRef := githubAPI, "graphql"
	switch {
	case opts.BaseURL != "" && opts.EnterpriseURL != "":
		return nil, nil, errors.New("github: set BaseURL or EnterpriseURL, not both")
	case opts.BaseURL != "":
		raw = opts.BaseURL
	case opts.EnterpriseURL != "":
		raw, graphQLRef = opts.EnterpriseURL, "../graphql"
	}
	rest, err = url.Parse(raw)
	if err != nil || (rest.Scheme != "https" && rest.Scheme != "http") || rest.Host == "" {
		return nil, nil, fmt.Errorf("github: API address %q is not an http(s) URL", raw)
	}
	rest.RawQuery, rest.Fragment = "", ""
	if !strings.HasSuffix(rest.Path, "/") {
		rest.Path += "/"
	}
	if opts.EnterpriseURL != "" && !strings.HasSuffix(rest.Path, "/api/v3/") {
		rest.Path += "api/v3/"
	}
	graphQL, err = rest.Parse(graphQLRef)
	return rest, graphQL, err
}

// sameHostRedirect follows redirects within the API's host only, so that a
// redirect cannot carry the credentials the transports add elsewhere.
func sameHostRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if req.URL.Host != via[0].URL.Host || req.URL.Scheme != via[0].URL.Scheme {
		return fmt.Errorf("refusing a redirect to another host (%s)", req.URL.Host)
	}
	return nil
}

// tokenTransport authenticates requests with a token.
type tokenTransport struct {
	token string
	next  http.RoundTripper
}

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	return t.next.RoundTrip(r)
}
