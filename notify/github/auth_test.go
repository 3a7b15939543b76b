package github_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/csocbot/csocbot/internal/fakegithub"
	"github.com/csocbot/csocbot/notify/github"
	"github.com/csocbot/csocbot/notify/vcs"
)

// The app the tests install.
const (
	appID          = 4242
	installationID = 777
)

// testKey is an RSA private key and its PEM encoding.
type testKey struct {
	key *rsa.PrivateKey
	pem []byte
}

// The app's key and another, each made once for all tests.
var (
	appKey   = sync.OnceValue(newKey)
	otherKey = sync.OnceValue(newKey)
)

func newKey() testKey {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return testKey{key, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})}
}

func TestAppAuth(t *testing.T) {
	tests := []struct {
		name       string
		enterprise bool
		prefix     string // of the paths the fake sees
	}{
		{name: "github.com"},
		{name: "enterprise server", enterprise: true, prefix: "/api/v3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			fake := fakegithub.New(t)
			fake.AddApp(fakegithub.App{ID: appID, InstallationID: installationID, PublicKey: &appKey().key.PublicKey, Login: "csocbot[bot]"})
			fullName, pr := fake.LoadPullRequest(openedFixture)
			repo, _ := vcs.ParseRepo(fullName)
			opts := github.Options{BaseURL: fake.URL(), Retry: fastRetry(), Logger: testLogger(t, t.Output())}
			if tt.enterprise {
				opts.BaseURL, opts.EnterpriseURL = "", fake.URL()
			}
			client, err := github.NewAppClient(github.AppCredentials{AppID: appID, InstallationID: installationID, PrivateKey: appKey().pem}, opts)
			if err != nil {
				t.Fatal(err)
			}

			// A transient failure of the token exchange is retried too.
			fake.Inject(fakegithub.ServerError(502, 1).On("POST", "/app/installations/777/access_tokens"))
			if _, err := client.PullRequest(ctx, repo, pr); err != nil {
				t.Fatal(err)
			}
			c, err := client.CreateComment(ctx, repo, pr, "planning")
			if err != nil {
				t.Fatal(err)
			}
			if c.Author != "csocbot[bot]" {
				t.Errorf("the comment's author is %q, want the app's bot", c.Author)
			}
			if err := client.MinimizeComment(ctx, c.NodeID, vcs.MinimizeOutdated); err != nil {
				t.Fatal(err)
			}

			tokens := fake.InstallationTokens()
			if len(tokens) != 1 {
				t.Fatalf("the fake issued %d installation tokens, want 1 (reused)", len(tokens))
			}
			want := []struct{ method, path, token string }{
				{"POST", tt.prefix + "/app/installations/777/access_tokens", "jwt"},
				{"POST", tt.prefix + "/app/installations/777/access_tokens", "jwt"},
				{"GET", tt.prefix + "/repos/Codertocat/Hello-World/pulls/2", tokens[0]},
				{"POST", tt.prefix + "/repos/Codertocat/Hello-World/issues/2/comments", tokens[0]},
				{"POST", strings.TrimSuffix(tt.prefix, "/v3") + "/graphql", tokens[0]},
			}
			calls := fake.Calls()
			if len(calls) != len(want) {
				t.Fatalf("%d calls, want %d: %+v", len(calls), len(want), calls)
			}
			for i, w := range want {
				got := calls[i]
				isJWT := strings.Count(got.Token, ".") == 2
				if got.Method != w.method || got.Path != w.path || (w.token == "jwt") != isJWT || (w.token != "jwt" && got.Token != w.token) {
					t.Errorf("call %d: %s %s with token %.12s…, want %s %s with %.12s…", i+1, got.Method, got.Path, got.Token, w.method, w.path, w.token)
				}
			}
			// git fetches with the same installation token.
			if gt, err := client.GitToken(ctx); err != nil || gt != tokens[0] {
				t.Errorf("GitToken = %.12s…, %v; want the installation token", gt, err)
			}
		})
	}
}

func TestAppAuthFailures(t *testing.T) {
	tests := []struct {
		name    string
		creds   github.AppCredentials
		wantErr string
	}{
		{
			name:    "JWT signed by another key",
			creds:   github.AppCredentials{AppID: appID, InstallationID: installationID, PrivateKey: otherKey().pem},
			wantErr: `received non 2xx response status "401 Unauthorized"`,
		},
		{
			name:    "unknown app",
			creds:   github.AppCredentials{AppID: 1, InstallationID: installationID, PrivateKey: appKey().pem},
			wantErr: `received non 2xx response status "401 Unauthorized"`,
		},
		{
			name:    "another app's installation",
			creds:   github.AppCredentials{AppID: appID, InstallationID: 1, PrivateKey: appKey().pem},
			wantErr: `received non 2xx response status "404 Not Found"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := fakegithub.New(t)
			fake.AddApp(fakegithub.App{ID: appID, InstallationID: installationID, PublicKey: &appKey().key.PublicKey, Login: "csocbot[bot]"})
			fullName, pr := fake.LoadPullRequest(openedFixture)
			repo, _ := vcs.ParseRepo(fullName)
			client, err := github.NewAppClient(tt.creds, github.Options{BaseURL: fake.URL(), Retry: fastRetry(), Logger: testLogger(t, t.Output())})
			if err != nil {
				t.Fatal(err)
			}
			_, err = client.PullRequest(context.Background(), repo, pr)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("PullRequest() error = %v, want one saying %q", err, tt.wantErr)
			}
			for _, c := range fake.Calls() {
				if !strings.HasSuffix(c.Path, "/access_tokens") {
					t.Errorf("without a token, the client still called %s %s", c.Method, c.Path)
				}
			}
		})
	}
}

func TestEnterpriseURL(t *testing.T) {
	tests := []struct {
		name string
		url  func(fake string) string
	}{
		{"host", func(fake string) string { return fake }},
		{"host with slash", func(fake string) string { return fake + "/" }},
		{"API root", func(fake string) string { return fake + "/api/v3/" }},
		{"API root without slash", func(fake string) string { return fake + "/api/v3" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t)
			client, err := github.NewTokenClient(testToken, github.Options{EnterpriseURL: tt.url(e.fake.URL()), Retry: fastRetry()})
			if err != nil {
				t.Fatal(err)
			}
			e.client = client
			c, err := e.client.CreateComment(ctx, e.repo, e.pr, "plan")
			if err != nil {
				t.Fatal(err)
			}
			if err := e.client.MinimizeComment(ctx, c.NodeID, vcs.MinimizeOutdated); err != nil {
				t.Fatal(err)
			}
			var paths []string
			for _, c := range e.fake.Calls() {
				paths = append(paths, c.Path)
			}
			if want := "/api/v3/repos/Codertocat/Hello-World/issues/2/comments /api/graphql"; strings.Join(paths, " ") != want {
				t.Errorf("paths = %v, want %s", paths, want)
			}
		})
	}
}

func TestNewClientErrors(t *testing.T) {
	secretKey := []byte("-----BEGIN RSA PRIVATE KEY-----\nTOPSECRETKEYMATERIAL\n-----END RSA PRIVATE KEY-----\n")
	newToken := func(token string, o github.Options) func() error {
		return func() error { _, err := github.NewTokenClient(token, o); return err }
	}
	newApp := func(c github.AppCredentials) func() error {
		return func() error { _, err := github.NewAppClient(c, github.Options{}); return err }
	}
	tests := []struct {
		name    string
		new     func() error
		wantErr string
	}{
		{"empty token", newToken("", github.Options{}), "github: the token is empty"},
		{"token with a newline", newToken(testToken+"\n", github.Options{}), "github: the token contains spaces or control characters"},
		{"both URLs", newToken(testToken, github.Options{BaseURL: "http://a", EnterpriseURL: "https://b"}), "set BaseURL or EnterpriseURL, not both"},
		{"not http", newToken(testToken, github.Options{EnterpriseURL: "ftp://ghe.example.com"}), `API address "ftp://ghe.example.com" is not an http(s) URL`},
		{"no host", newToken(testToken, github.Options{BaseURL: "/api/v3/"}), "is not an http(s) URL"},
		{"no app id", newApp(github.AppCredentials{InstallationID: 1, PrivateKey: secretKey}), "the app id must be positive"},
		{"no installation id", newApp(github.AppCredentials{AppID: 1, PrivateKey: secretKey}), "the installation id must be positive"},
		{"no key", newApp(github.AppCredentials{AppID: 1, InstallationID: 1}), "the app's private key is empty"},
		{"bad key", newApp(github.AppCredentials{AppID: 1, InstallationID: 1, PrivateKey: secretKey}), "github: the private key of app 1: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.new()
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one saying %q", err, tt.wantErr)
			}
			if msg := err.Error(); strings.Contains(msg, testToken) || strings.Contains(msg, "TOPSECRET") {
				t.Errorf("error %q reveals a secret", msg)
			}
		})
	}
}

// TestSecretsStayOut drives the clients through successes, retries, rate
// limits and failures and checks that no credential reaches an error or a
// log record, even at debug level.
func TestSecretsStayOut(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	logger := testLogger(t, &logs)
	var errs []error
	call := func(c github.Client, repo vcs.Repo, pr int) {
		_, err := c.PullRequest(ctx, repo, pr)
		errs = append(errs, err)
		_, err = c.CreateComment(ctx, repo, pr, "plan")
		errs = append(errs, err)
		errs = append(errs, c.MinimizeComment(ctx, "IC_nosuch", vcs.MinimizeOutdated))
	}

	fake := fakegithub.New(t)
	fake.AddToken(testToken, "csocbot")
	fake.AddApp(fakegithub.App{ID: appID, InstallationID: installationID, PublicKey: &appKey().key.PublicKey, Login: "csocbot[bot]"})
	fullName, pr := fake.LoadPullRequest(openedFixture)
	repo, _ := vcs.ParseRepo(fullName)
	opts := github.Options{BaseURL: fake.URL(), Retry: fastRetry(), Logger: logger}
	tokenClient, err := github.NewTokenClient(testToken, opts)
	if err != nil {
		t.Fatal(err)
	}
	const wrongToken = "ghp_WrongTokenAlsoSecret9876543210"
	wrongClient, err := github.NewTokenClient(wrongToken, opts)
	if err != nil {
		t.Fatal(err)
	}
	appClient, err := github.NewAppClient(github.AppCredentials{AppID: appID, InstallationID: installationID, PrivateKey: appKey().pem}, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []github.Client{tokenClient, wrongClient, appClient} {
		fake.Inject(fakegithub.ServerError(502, 1))
		fake.Inject(fakegithub.SecondaryRateLimit(1, time.Second))
		fake.Inject(fakegithub.PrimaryRateLimit(1, time.Hour))
		call(c, repo, pr)
	}
	fake.Close()
	call(tokenClient, repo, pr) // network errors

	secrets := map[string]string{"token": testToken, "wrong token": wrongToken}
	for i, tok := range fake.InstallationTokens() {
		secrets["installation token "+string(rune('A'+i))] = tok
	}
	for _, c := range fake.Calls() {
		if strings.Count(c.Token, ".") == 2 {
			secrets["app JWT"] = c.Token
		}
	}
	secrets["private key"] = strings.Split(string(appKey().pem), "\n")[2]
	if len(secrets) < 5 {
		t.Fatalf("the test saw only these secrets: %v", secrets)
	}

	var failures int
	for _, err := range errs {
		if err != nil {
			failures++
			logs.WriteString("error: " + err.Error() + "\n")
		}
	}
	if failures < 8 || !strings.Contains(logs.String(), "retrying") || !strings.Contains(logs.String(), "Bad credentials") {
		t.Fatalf("the test did not exercise errors and retries (%d errors):\n%s", failures, logs.String())
	}
	for name, secret := range secrets {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the %s appears in the logs or errors", name)
		}
	}
}

func TestLogin(t *testing.T) {
	e := newEnv(t)
	login, err := e.client.Login(context.Background())
	if err != nil || login != "csocbot" {
		t.Errorf("Login = %q, %v; want csocbot", login, err)
	}
}
