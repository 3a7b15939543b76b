package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/internal/fakegithub"
	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/notify/github"
	"github.com/csocbot/csocbot/planner/engine"
	"github.com/csocbot/csocbot/planner/tfrun"
	"github.com/csocbot/csocbot/server"
	"github.com/csocbot/csocbot/server/repocache"
	"github.com/csocbot/csocbot/store/sqlite"
)

// parityPolicies is a policy set that warns about prod changes after the
// plan and, before it, blocks a unit with a local-exec provisioner.
var parityPolicies = map[string]string{
	"prod.rego": `package csocbot.prod_changes
warn contains sprintf("%d resources change in prod", [count(input.changes)]) if {
	input.unit.environment == "prod"
	count(input.changes) > 0
}
`,
	"hooks.rego": `package csocbot.hooks
deny contains sprintf("%s runs a local-exec provisioner", [p.resource]) if {
	some p in input.config.provisioners
	p.type == "local-exec"
}
`,
}

// TestPreviewPrintsTheServersComment runs the server and preview on the
// same change, with the same policies and environments, and checks that
// preview prints byte for byte the comment the server posts.
func TestPreviewPrintsTheServersComment(t *testing.T) {
	terraformConfig(t)
	bin, err := tfrun.Find(context.Background(), tfrun.FindOptions{})
	if err != nil {
		t.Skipf("no terraform: %v", err)
	}
	const token, secret = "ghp_parity", "parity-secret"
	src := gittest.New(t, filepath.Join("..", "..", "testdata", "infra"))
	base := src.CommitAll("base")
	src.Git("checkout", "-q", "-b", "widen-vpc")
	src.Replace("live/gen3-prod/us-east-1/prod/vpc/terragrunt.hcl", "10.10.0.0/16", "10.20.0.0/16")
	src.Append("terraform/csoc-dns/main.tf", "resource \"terraform_data\" \"hook\" {\n  provisioner \"local-exec\" {\n    command = \"id\"\n  }\n}\n")
	head := src.CommitAll("widen the prod VPC, add a hook")
	src.Git("checkout", "-q", "main")
	src.Git("update-ref", "refs/pull/2/head", head)
	policyDir := filepath.Join(t.TempDir(), "guard")
	os.Mkdir(policyDir, 0o755)
	for name, rule := range parityPolicies {
		if err := os.WriteFile(filepath.Join(policyDir, name), []byte(rule), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The server, as csocbot serve wires it, against the fake GitHub and
	// the repository served over HTTP.
	gitRoot := t.TempDir()
	os.Mkdir(filepath.Join(gitRoot, "Codertocat"), 0o755)
	if err := os.Symlink(filepath.Join(src.Dir, ".git"), filepath.Join(gitRoot, "Codertocat", "Hello-World.git")); err != nil {
		t.Fatal(err)
	}
	gitSrv := tokenGitServer(t, gitRoot, token)
	fake := fakegithub.New(t)
	fake.AddToken(token, "csocbot-bot")
	repo, pr := fake.LoadPullRequest("pull_request/opened.payload.json")
	fake.EditPullRequest(repo, pr, func(m map[string]any) {
		m["head"].(map[string]any)["sha"] = head
		m["base"].(map[string]any)["sha"] = base
		m["base"].(map[string]any)["ref"] = "main"
	})
	yaml := "data_dir: " + t.TempDir() + `
workers: 1
github:
  token_env: TEST_TOKEN
  webhook_secret_env: TEST_SECRET
repositories:
  - name: Codertocat/Hello-World
    kind: infra
environments:
  - name: prod
    paths: ["live/*/*/prod/**"]
`
	env := map[string]string{"TEST_TOKEN": token, "TEST_SECRET": secret}
	cfg, err := config.Parse([]byte(yaml), "parity.yaml", func(k string) (string, bool) { v, ok := env[k]; return v, ok }, os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg.GitHub.WebURL = gitSrv.URL + "/"
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "csocbot.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	gh, err := github.NewTokenClient(token, github.Options{BaseURL: fake.URL() + "/"})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Options{Binary: bin, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	policies, err := loadPolicyDirs(context.Background(), []string{policyDir})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Deps{
		Config: cfg, Store: st, GitHub: gh, Engine: eng, Policies: policies, BotLogin: "csocbot-bot",
		Repos: server.RepoCache(repocache.New(t.TempDir(), gh.GitToken, slog.New(slog.DiscardHandler))),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	deliverOpened(t, srv.Handler(), secret, head)
	const marker = "\n<!-- csocbot:plan -->"
	var posted string
	for deadline := time.Now().Add(2 * time.Minute); posted == ""; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for the server's plan comment")
		}
		for _, c := range fake.Comments(repo, pr) {
			// The body ends with the plan marker and the client's
			// own marker of the post.
			if body, _, ok := strings.Cut(c.Body, marker); ok {
				posted = body
			}
		}
	}

	code, out, stderr := runCLI(t, "preview", "--repo", src.Dir, "--base", base, "--head", head, "--cache", t.TempDir(),
		"--policies", policyDir, "--environment", "prod=live/*/*/prod/**")
	if code != 1 {
		t.Errorf("preview exited %d, want 1 (a policy blocks a unit): %s", code, stderr)
	}
	for _, want := range []string{"| Environment |", "🚫 blocked by policy", "Policy set `guard` fails for 1 unit"} {
		if !strings.Contains(posted, want) {
			t.Errorf("the server's comment lacks %q:\n%s", want, posted)
		}
	}
	if out != posted+"\n" {
		t.Errorf("preview printed a comment other than the server's.\nserver:\n%s\npreview:\n%s", posted, out)
	}
}

// tokenGitServer serves the repositories under root with git's
// http-backend, to the token csocbot fetches with only.
func tokenGitServer(t *testing.T, root, token string) *httptest.Server {
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
		if user, pass, ok := r.BasicAuth(); !ok || user != "x-access-token" || pass != token {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// deliverOpened delivers the real pull_request opened webhook, signed,
// for the pull request's head.
func deliverOpened(t *testing.T, h http.Handler, secret, head string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "github-webhooks", "pull_request", "opened.payload.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	pr := m["pull_request"].(map[string]any)
	pr["head"].(map[string]any)["sha"] = head
	pr["base"].(map[string]any)["ref"] = "main"
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(b)
	req := httptest.NewRequest(http.MethodPost, "/events", bytes.NewReader(b))
	req.Header.Set("X-GitHub-Event", "pull_request")
	req.Header.Set("X-GitHub-Delivery", "parity-1")
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusAccepted {
		t.Fatalf("webhook answered %d: %s", rec.Code, rec.Body)
	}
}
