package server

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/notify/github"
	"github.com/csocbot/csocbot/planner/engine"
	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/planner/tfrun"
	"github.com/csocbot/csocbot/store"
	"github.com/csocbot/csocbot/store/sqlite"
)

const testSecret = "webhook-test-secret"

var fixtures = filepath.Join("..", "testdata", "github-webhooks")

// fixture reads a real webhook payload and applies edits to its decoded
// JSON, for the cases the published examples do not cover.
func fixture(t testing.TB, name string, edits ...func(map[string]any)) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	if len(edits) == 0 {
		return b
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, e := range edits {
		e(m)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func obj(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}

func sign(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func testConfig(t testing.TB, extra string) *config.Config {
	t.Helper()
	yaml := `data_dir: ` + t.TempDir() + `
github:
  token_env: TEST_TOKEN
  webhook_secret_env: TEST_SECRET
repositories:
  - name: Codertocat/Hello-World
    kind: infra
` + extra
	env := map[string]string{"TEST_TOKEN": "ghp_test", "TEST_SECRET": testSecret}
	cfg, err := config.Parse([]byte(yaml), "test.yaml", func(k string) (string, bool) { v, ok := env[k]; return v, ok }, os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// unusedRepos stands in where a test never reaches the repositories.
type unusedRepos struct{}

func (unusedRepos) Fetch(context.Context, string, string, string, []int) (string, error) {
	return "", errUnused
}
func (unusedRepos) MergeCommit(context.Context, string, int, string, string) (string, []string, error) {
	return "", nil, errUnused
}
func (unusedRepos) Open(string) (*gitrepo.Repo, error) { return nil, errUnused }
func (unusedRepos) Checkout(context.Context, string, string, string) error {
	return errUnused
}
func (unusedRepos) ForgetPullRequest(context.Context, string, int) error { return errUnused }
func (unusedRepos) Maintain(context.Context) error                       { return nil }

var errUnused = &unusedError{}

type unusedError struct{}

func (*unusedError) Error() string { return "not used in this test" }

func newIntakeServer(t testing.TB) (*Server, *sqlite.Store) {
	t.Helper()
	return newIntakeServerAt(t, filepath.Join(t.TempDir(), "csocbot.db"))
}

// newIntakeServerAt is newIntakeServer with its store at dbPath.
func newIntakeServerAt(t testing.TB, dbPath string) (*Server, *sqlite.Store) {
	t.Helper()
	cfg := testConfig(t, "")
	st, err := sqlite.Open(context.Background(), dbPath, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return newIntakeServerOn(t, cfg, st), st
}

// newIntakeServerOn is a server taking webhooks into st, with cfg.
func newIntakeServerOn(t testing.TB, cfg *config.Config, st store.Store) *Server {
	t.Helper()
	eng, err := engine.New(engine.Options{Binary: tfrun.Binary{Path: "terraform"}, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	gh, err := github.NewTokenClient("ghp_unused", github.Options{BaseURL: "http://127.0.0.1:1/"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Deps{Config: cfg, Store: st, GitHub: gh, Repos: unusedRepos{}, Engine: eng, BotLogin: "csocbot[bot]"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type delivery struct {
	method    string
	event     string
	id        string
	body      []byte
	signature string // "" signs with the test secret; "-" sends none
}

func post(t testing.TB, h http.Handler, d delivery) (int, intakeResponse) {
	t.Helper()
	method := d.method
	if method == "" {
		method = http.MethodPost
	}
	req := httptest.NewRequest(method, "/events", bytes.NewReader(d.body))
	req.Header.Set("X-GitHub-Event", d.event)
	req.Header.Set(deliveryHeader, d.id)
	switch d.signature {
	case "":
		req.Header.Set("X-Hub-Signature-256", sign(d.body, testSecret))
	case "-":
	default:
		req.Header.Set("X-Hub-Signature-256", d.signature)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var resp intakeResponse
	json.Unmarshal(rec.Body.Bytes(), &resp)
	return rec.Code, resp
}

func TestEvents(t *testing.T) {
	onPR := func(m map[string]any) {
		obj(m, "issue")["pull_request"] = map[string]any{"url": "https://api.github.com/repos/Codertocat/Hello-World/pulls/1"}
		obj(m, "comment")["body"] = "Looks good.\ncsocbot plan -u live/prod/vpc"
	}
	tests := []struct {
		name       string
		d          delivery
		wantCode   int
		wantStatus string
		wantMsg    string
		wantKind   store.Kind
	}{
		{"opened pull request", delivery{event: "pull_request", id: "d1", body: fixture(t, "pull_request/opened.payload.json")}, 202, "queued", "plan queued", store.KindPlan},
		{"synchronize", delivery{event: "pull_request", id: "d2", body: fixture(t, "pull_request/synchronize.payload.json")}, 202, "queued", "", store.KindPlan},
		{"closed pull request", delivery{event: "pull_request", id: "d2c", body: fixture(t, "pull_request/closed.payload.json")}, 202, "queued", "clean-up queued", store.KindPullRequestClosed},
		{"command comment", delivery{event: "issue_comment", id: "d3", body: fixture(t, "issue_comment/created.payload.json", onPR)}, 202, "queued", "comment queued", store.KindCommentCommand},
		{"comment without a command", delivery{event: "issue_comment", id: "d4", body: fixture(t, "issue_comment/created.payload.json", func(m map[string]any) {
			obj(m, "issue")["pull_request"] = map[string]any{"url": "x"}
		})}, 202, "ignored", "comment has no command", ""},
		{"comment on an issue", delivery{event: "issue_comment", id: "d5", body: fixture(t, "issue_comment/created.payload.json")}, 202, "ignored", "needs no work", ""},
		{"comment by a bot", delivery{event: "issue_comment", id: "d6", body: fixture(t, "issue_comment/created.payload.json", onPR, func(m map[string]any) {
			obj(m, "comment", "user")["type"] = "Bot"
		})}, 202, "ignored", "bots", ""},
		{"comment by csocbot itself", delivery{event: "issue_comment", id: "d7", body: fixture(t, "issue_comment/created.payload.json", onPR, func(m map[string]any) {
			obj(m, "comment", "user")["login"] = "csocbot[bot]"
		})}, 202, "ignored", "bots", ""},
		{"edited comment", delivery{event: "issue_comment", id: "d8", body: fixture(t, "issue_comment/edited.payload.json", onPR)}, 202, "ignored", "edited", ""},
		{"fork pull request", delivery{event: "pull_request", id: "d9", body: fixture(t, "pull_request/opened.payload.json", func(m map[string]any) {
			obj(m, "pull_request", "head", "repo")["full_name"] = "someone/Hello-World"
		})}, 202, "queued", "forks are not planned automatically", store.KindNotice},
		{"draft pull request", delivery{event: "pull_request", id: "d10", body: fixture(t, "pull_request/opened.payload.json", func(m map[string]any) {
			obj(m, "pull_request")["draft"] = true
		})}, 202, "ignored", "draft", ""},
		{"repository not configured", delivery{event: "pull_request", id: "d11", body: fixture(t, "pull_request/opened.payload.json", func(m map[string]any) {
			obj(m, "repository")["full_name"] = "other/repo"
		})}, 202, "ignored", "not in the configuration", ""},
		{"ping", delivery{event: "ping", id: "d12", body: fixture(t, "ping/payload.json")}, 202, "ignored", "", ""},
		{"unknown event", delivery{event: "deployment", id: "d13", body: []byte(`{"action":"created"}`)}, 202, "ignored", "", ""},
		{"bad signature", delivery{event: "pull_request", id: "d14", body: fixture(t, "pull_request/opened.payload.json"), signature: sign([]byte("other"), testSecret)}, 401, "error", "signature", ""},
		{"wrong secret", delivery{event: "pull_request", id: "d15", body: fixture(t, "pull_request/opened.payload.json"), signature: sign(fixture(t, "pull_request/opened.payload.json"), "guess")}, 401, "error", "signature", ""},
		{"no signature", delivery{event: "pull_request", id: "d16", body: fixture(t, "pull_request/opened.payload.json"), signature: "-"}, 401, "error", "signature", ""},
		{"malformed JSON", delivery{event: "pull_request", id: "d17", body: []byte(`{"action": "opened", `)}, 400, "error", "", ""},
		{"no delivery id", delivery{event: "pull_request", body: fixture(t, "pull_request/opened.payload.json")}, 400, "error", "X-GitHub-Delivery", ""},
		{"not a POST", delivery{method: http.MethodGet, event: "ping", id: "d18"}, 405, "error", "", ""},
	}
	s, st := newIntakeServer(t)
	h := s.Handler()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, resp := post(t, h, tt.d)
			if code != tt.wantCode || resp.Status != tt.wantStatus || !strings.Contains(resp.Message, tt.wantMsg) {
				t.Fatalf("got %d %+v, want %d %s containing %q", code, resp, tt.wantCode, tt.wantStatus, tt.wantMsg)
			}
			if tt.wantKind != "" {
				job, err := st.GetJob(context.Background(), resp.Job)
				if err != nil || job.Kind != tt.wantKind {
					t.Errorf("job %d: %+v %v, want a %s job", resp.Job, job, err, tt.wantKind)
				}
			}
		})
	}
}

func TestDuplicateDeliveryQueuesOneJob(t *testing.T) {
	s, st := newIntakeServer(t)
	d := delivery{event: "pull_request", id: "same-delivery", body: fixture(t, "pull_request/opened.payload.json")}
	_, first := post(t, s.Handler(), d)
	code, second := post(t, s.Handler(), d)
	if code != 202 || second.Status != "duplicate" || second.Job != first.Job {
		t.Fatalf("second delivery: %d %+v, want a duplicate of job %d", code, second, first.Job)
	}
	jobs, err := st.ListJobs(context.Background(), store.JobFilter{})
	if err != nil || len(jobs) != 1 {
		t.Errorf("jobs = %d (%v), want 1", len(jobs), err)
	}
}

func TestPushAndCloseSupersedeQueuedPlan(t *testing.T) {
	for _, tc := range []struct{ name, fixture string }{
		{"a new push", "pull_request/synchronize.payload.json"},
		{"closing the pull request", "pull_request/closed.payload.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, st := newIntakeServer(t)
			_, first := post(t, s.Handler(), delivery{event: "pull_request", id: "a", body: fixture(t, "pull_request/opened.payload.json")})
			_, second := post(t, s.Handler(), delivery{event: "pull_request", id: "b", body: fixture(t, tc.fixture, func(m map[string]any) {
				m["number"] = float64(2)
				obj(m, "pull_request")["number"] = float64(2)
			})})
			old, err := st.GetJob(context.Background(), first.Job)
			if err != nil {
				t.Fatal(err)
			}
			if old.State != store.JobSuperseded {
				t.Errorf("first plan job is %s, want superseded by job %d", old.State, second.Job)
			}
		})
	}
}

func TestOversizedBody(t *testing.T) {
	s, _ := newIntakeServer(t)
	s.maxBody = 1024
	code, _ := post(t, s.Handler(), delivery{event: "pull_request", id: "big", body: bytes.Repeat([]byte("x"), 4096)})
	if code != http.StatusRequestEntityTooLarge {
		t.Errorf("code %d, want 413", code)
	}
}

func TestJobStatusPage(t *testing.T) {
	s, _ := newIntakeServer(t)
	_, resp := post(t, s.Handler(), delivery{event: "pull_request", id: "page", body: fixture(t, "pull_request/opened.payload.json")})
	for _, tc := range []struct {
		path string
		code int
		body string
	}{
		{"/jobs/" + strconv.FormatInt(resp.Job, 10), 200, `"state":"queued"`},
		{"/jobs/999", 404, "no such job"},
		{"/jobs/abc", 400, "numbers"},
		{"/healthz", 200, "ok"},
		{"/readyz", 503, "starting"},
	} {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
		if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.body) {
			t.Errorf("GET %s = %d %q, want %d containing %q", tc.path, rec.Code, rec.Body.String(), tc.code, tc.body)
		}
	}
}

// TestOwnLoginLookedUp checks that a server given a way to find its login
// (token auth) ignores command lines in its own comments once Run learned
// it, without start-up waiting for GitHub.
func TestOwnLoginLookedUp(t *testing.T) {
	s, _ := newIntakeServer(t)
	s.botLogin.Store(new(string))
	s.lookup = func(context.Context) (string, error) { return "csocbot-machine-user", nil }
	ownComment := func(id string) (int, intakeResponse) {
		return post(t, s.Handler(), delivery{event: "issue_comment", id: id, body: fixture(t, "issue_comment/created.payload.json", func(m map[string]any) {
			obj(m, "issue")["pull_request"] = map[string]any{"url": "x"}
			c := obj(m, "comment")
			c["body"] = "csocbot plan"
			obj(c, "user")["login"] = "CSOCBOT-machine-user"
		})})
	}
	if _, resp := ownComment("before"); resp.Status != "queued" {
		t.Fatalf("before the lookup: %+v", resp)
	}
	s.learnBotLogin(context.Background())
	if _, resp := ownComment("after"); resp.Status != "ignored" || !strings.Contains(resp.Message, "bots") {
		t.Errorf("after the lookup: %+v, want ignored as csocbot's own", resp)
	}
}
