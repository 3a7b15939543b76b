package fakegithub_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/csocbot/csocbot/internal/fakegithub"
)

const token = "ghp_fake"

// newFake starts a fake with a token for "csocbot" and the opened
// fixture's pull request, Codertocat/Hello-World#2.
func newFake(t *testing.T) *fakegithub.Server {
	t.Helper()
	s := fakegithub.New(t)
	s.AddToken(token, "csocbot")
	if repo, n := s.LoadPullRequest("pull_request/opened.payload.json"); repo != "Codertocat/Hello-World" || n != 2 {
		t.Fatalf("LoadPullRequest() = %s#%d", repo, n)
	}
	return s
}

// do sends a request with the token (or the credential given) and
// returns the status, headers and body.
func do(t *testing.T, s *fakegithub.Server, method, path, body string, credential ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	auth := "token " + token
	if len(credential) > 0 {
		auth = credential[0]
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(data)
}

func TestEndpoints(t *testing.T) {
	const repo = "/repos/Codertocat/Hello-World"
	tests := []struct {
		name               string
		method, path, body string
		credential         []string
		wantStatus         int
		wantBody           string // a part of the body
	}{
		{"pull request", "GET", repo + "/pulls/2", "", nil, 200, `"node_id":"MDExOlB1bGxSZXF1ZXN0Mjc5MTQ3NDM3"`},
		{"pull request, enterprise layout", "GET", "/api/v3" + repo + "/pulls/2", "", nil, 200, `"mergeable_state":"unknown"`},
		{"owner and name are case-insensitive", "GET", "/repos/codertocat/hello-world/pulls/2", "", nil, 200, `"number":2`},
		{"unknown pull request", "GET", repo + "/pulls/3", "", nil, 404, `{"documentation_url":"https://docs.github.com/rest","message":"Not Found"}`},
		{"pull request number not a number", "GET", repo + "/pulls/two", "", nil, 404, `"Not Found"`},
		{"unknown endpoint", "GET", repo + "/branches", "", nil, 404, `"Not Found"`},
		{"no credentials", "GET", repo + "/pulls/2", "", []string{""}, 401, `"Requires authentication"`},
		{"wrong token", "GET", repo + "/pulls/2", "", []string{"Bearer ghp_wrong"}, 401, `"Bad credentials"`},
		{"comment", "POST", repo + "/issues/2/comments", `{"body":"hi"}`, nil, 201, `"body":"hi"`},
		{"comment on an unknown issue", "POST", repo + "/issues/9/comments", `{"body":"hi"}`, nil, 404, `"Not Found"`},
		{"comment without body", "POST", repo + "/issues/2/comments", `{}`, nil, 422, `"code":"missing_field"`},
		{"comment body too long", "POST", repo + "/issues/2/comments", `{"body":"` + strings.Repeat("x", 65537) + `"}`, nil, 422, `body is too long (maximum is 65536 characters)`},
		{"comment not JSON", "POST", repo + "/issues/2/comments", `body=hi`, nil, 400, `"Problems parsing JSON"`},
		{"status with unknown state", "POST", repo + "/statuses/ec26c3e57ca3a959ca5aad62de7213c562f8c821", `{"state":"ok"}`, nil, 422, `state is not included in the list`},
		{"status description too long", "POST", repo + "/statuses/ec26c3e57ca3a959ca5aad62de7213c562f8c821", `{"state":"success","description":"` + strings.Repeat("x", 141) + `"}`, nil, 422, `description is too long`},
		{"status without context", "POST", repo + "/statuses/ec26c3e57ca3a959ca5aad62de7213c562f8c821", `{"state":"success"}`, nil, 201, `"context":"default"`},
		{"GraphQL other than minimizeComment", "POST", "/graphql", `{"query":"{ viewer { login } }"}`, nil, 200, `"errors":[{"message":"fakegithub serves only`},
		{"GraphQL, enterprise layout", "POST", "/api/graphql", `{"query":"mutation($input: MinimizeCommentInput!) { minimizeComment(input: $input) { minimizedComment { isMinimized } } }","variables":{"input":{"subjectId":"IC_x","classifier":"OUTDATED"}}}`, nil, 200, `"type":"NOT_FOUND"`},
		{"GraphQL with a bad classifier", "POST", "/graphql", `{"query":"mutation($input: MinimizeCommentInput!) { minimizeComment(input: $input) { minimizedComment { isMinimized } } }","variables":{"input":{"subjectId":"IC_x","classifier":"OLD"}}}`, nil, 200, `Expected \"OLD\" to be one of`},
		{"membership of an unknown team", "GET", "/orgs/csoc/teams/nosuch/memberships/alice", "", nil, 404, `"Not Found"`},
		{"rate limit without credentials", "GET", "/rate_limit", "", []string{""}, 200, `"core":{"limit":5000,`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFake(t)
			status, h, body := do(t, s, tt.method, tt.path, tt.body, tt.credential...)
			if status != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Errorf("%s %s = %d %s\nwant %d with %s", tt.method, tt.path, status, body, tt.wantStatus, tt.wantBody)
			}
			if ct := h.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			calls := s.Calls()
			if len(calls) != 1 || calls[0].Method != tt.method || calls[0].Path != tt.path || calls[0].Status != status || string(calls[0].Body) != tt.body {
				t.Errorf("recorded %+v", calls)
			}
		})
	}
}

func TestRateLimitHeaders(t *testing.T) {
	s := newFake(t)
	for i := 1; i <= 2; i++ {
		_, h, _ := do(t, s, "GET", "/repos/Codertocat/Hello-World/pulls/2", "")
		reset, _ := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64)
		if h.Get("X-RateLimit-Limit") != "5000" || h.Get("X-RateLimit-Used") != fmt.Sprint(i) ||
			h.Get("X-RateLimit-Remaining") != fmt.Sprint(5000-i) || h.Get("X-RateLimit-Resource") != "core" ||
			time.Until(time.Unix(reset, 0)) < 50*time.Minute {
			t.Errorf("request %d: rate limit headers %v", i, h)
		}
	}
	_, _, body := do(t, s, "GET", "/rate_limit", "")
	var rl struct {
		Rate struct{ Limit, Used, Remaining int }
	}
	if err := json.Unmarshal([]byte(body), &rl); err != nil || rl.Rate.Used != 2 || rl.Rate.Remaining != 4998 {
		t.Errorf("GET /rate_limit = %s (%v)", body, err)
	}
}

func TestPagination(t *testing.T) {
	s := newFake(t)
	var files []fakegithub.File
	for i := range 7 {
		files = append(files, fakegithub.File{Filename: fmt.Sprintf("f%d", i), Status: "added"})
	}
	s.SetFiles("Codertocat/Hello-World", 2, files)
	path := "/repos/Codertocat/Hello-World/pulls/2/files"
	url := s.URL() + path
	tests := []struct {
		query     string
		wantNames string
		wantLink  string
	}{
		{"", "f0 f1 f2 f3 f4 f5 f6", ""}, // 30 a page
		{"?per_page=3", "f0 f1 f2",
			fmt.Sprintf(`<%[1]s?page=2&per_page=3>; rel="next", <%[1]s?page=3&per_page=3>; rel="last"`, url)},
		{"?per_page=3&page=2", "f3 f4 f5",
			fmt.Sprintf(`<%[1]s?page=1&per_page=3>; rel="prev", <%[1]s?page=3&per_page=3>; rel="next", <%[1]s?page=3&per_page=3>; rel="last", <%[1]s?page=1&per_page=3>; rel="first"`, url)},
		{"?per_page=3&page=3", "f6",
			fmt.Sprintf(`<%[1]s?page=2&per_page=3>; rel="prev", <%[1]s?page=1&per_page=3>; rel="first"`, url)},
		{"?per_page=3&page=9", "",
			fmt.Sprintf(`<%[1]s?page=3&per_page=3>; rel="prev", <%[1]s?page=1&per_page=3>; rel="first"`, url)},
		{"?per_page=1000&page=99999999999999999", "", fmt.Sprintf(`<%[1]s?page=1&per_page=1000>; rel="prev", <%[1]s?page=1&per_page=1000>; rel="first"`, url)},
	}
	for _, tt := range tests {
		status, h, body := do(t, s, "GET", path+tt.query, "")
		var page []fakegithub.File
		if err := json.Unmarshal([]byte(body), &page); err != nil || status != 200 {
			t.Fatalf("GET %s = %d %s", tt.query, status, body)
		}
		var names []string
		for _, f := range page {
			names = append(names, f.Filename)
		}
		if got := strings.Join(names, " "); got != tt.wantNames {
			t.Errorf("GET %s: files %q, want %q", tt.query, got, tt.wantNames)
		}
		if got := h.Get("Link"); got != tt.wantLink {
			t.Errorf("GET %s: Link\n%s\nwant\n%s", tt.query, got, tt.wantLink)
		}
	}
}

func TestCommentsAndReactions(t *testing.T) {
	s := newFake(t)
	const repo = "/repos/Codertocat/Hello-World"
	c := s.AddComment("Codertocat/Hello-World", 2, "Codertocat", "csocbot plan")
	commentPath := fmt.Sprintf("%s/issues/comments/%d", repo, c.ID)

	steps := []struct {
		method, path, body string
		wantStatus         int
		wantBody           string
	}{
		{"GET", commentPath, "", 200, `"body":"csocbot plan"`},
		{"GET", "/repos/someone/else/issues/comments/" + fmt.Sprint(c.ID), "", 404, "Not Found"},
		{"PATCH", commentPath, `{"body":"csocbot plan -p live/prod"}`, 200, `"body":"csocbot plan -p live/prod"`},
		{"POST", commentPath + "/reactions", `{"content":"eyes"}`, 201, `"content":"eyes"`},
		{"POST", commentPath + "/reactions", `{"content":"eyes"}`, 200, `"content":"eyes"`},
		{"POST", commentPath + "/reactions", `{"content":"rocket"}`, 201, `"content":"rocket"`},
		{"POST", commentPath + "/reactions", `{"content":"party"}`, 422, `not a valid reaction`},
		{"GET", commentPath + "/reactions", "", 200, `"content":"rocket"`},
		{"DELETE", commentPath, "", 204, ""},
		{"GET", commentPath, "", 404, "Not Found"},
		{"GET", repo + "/issues/2/comments", "", 200, "[]"},
	}
	for _, st := range steps {
		status, _, body := do(t, s, st.method, st.path, st.body)
		if status != st.wantStatus || !strings.Contains(body, st.wantBody) {
			t.Errorf("%s %s = %d %s\nwant %d with %s", st.method, st.path, status, body, st.wantStatus, st.wantBody)
		}
	}
	if got := s.Reactions(c.ID); len(got) != 0 {
		t.Errorf("the deleted comment keeps reactions %v", got)
	}
}

func TestStatuses(t *testing.T) {
	s := newFake(t)
	const sha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
	for _, state := range []string{"pending", "success"} {
		if status, _, body := do(t, s, "POST", "/repos/Codertocat/Hello-World/statuses/"+sha,
			`{"state":"`+state+`","context":"csocbot/plan","description":"d","target_url":"https://x"}`); status != 201 {
			t.Fatalf("create status = %d %s", status, body)
		}
	}
	_, _, body := do(t, s, "GET", "/repos/Codertocat/Hello-World/commits/"+sha+"/statuses", "")
	var listed []fakegithub.Status
	if err := json.Unmarshal([]byte(body), &listed); err != nil {
		t.Fatal(err)
	}
	stored := s.Statuses("Codertocat/Hello-World", sha)
	if len(listed) != 2 || listed[0].State != "success" || listed[1].State != "pending" || listed[0].ID != stored[0].ID {
		t.Errorf("listed %+v, want newest first as stored %+v", listed, stored)
	}
}

func TestFaults(t *testing.T) {
	s := newFake(t)
	const path = "/repos/Codertocat/Hello-World/pulls/2"
	s.Inject(fakegithub.ServerError(502, 2).On("GET", path))
	s.Inject(fakegithub.SecondaryRateLimit(1, 1500*time.Millisecond))
	s.Inject(fakegithub.PrimaryRateLimit(1, time.Minute).On("GET", path))

	// Another endpoint skips the faults restricted to path.
	if status, h, body := do(t, s, "GET", "/rate_limit", ""); status != 403 || h.Get("Retry-After") != "2" || !strings.Contains(body, "secondary rate limit") {
		t.Errorf("secondary rate limit = %d %v %s", status, h, body)
	}
	for range 2 {
		if status, _, _ := do(t, s, "GET", path, ""); status != 502 {
			t.Errorf("status = %d, want 502", status)
		}
	}
	status, h, _ := do(t, s, "GET", path, "")
	reset, _ := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64)
	if until := time.Until(time.Unix(reset, 0)); status != 403 || h.Get("X-RateLimit-Remaining") != "0" || until < 59*time.Second || until > 61*time.Second {
		t.Errorf("primary rate limit = %d %v", status, h)
	}
	if status, _, _ := do(t, s, "GET", path, ""); status != 200 {
		t.Errorf("after the faults: status %d", status)
	}
}

// jwt signs an RS256 JWT with claims.
func jwt(t *testing.T, key *rsa.PrivateKey, claims string) string {
	t.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	signed := enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc([]byte(claims))
	digest := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return signed + "." + enc(sig)
}

func TestInstallationTokens(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	claims := func(iss string, iat, exp int64) string {
		return fmt.Sprintf(`{"iss":%s,"iat":%d,"exp":%d}`, iss, now+iat, now+exp)
	}
	tests := []struct {
		name       string
		jwt        string
		wantStatus int
		wantBody   string
	}{
		{"valid", jwt(t, key, claims(`"12"`, -30, 90)), 201, `"token":"ghs_`},
		{"numeric iss", jwt(t, key, claims(`12`, -30, 90)), 201, `"token":"ghs_`},
		{"signed by another key", jwt(t, other, claims(`"12"`, -30, 90)), 401, "could not be decoded"},
		{"another app", jwt(t, key, claims(`"13"`, -30, 90)), 401, "Integration not found"},
		{"expired", jwt(t, key, claims(`"12"`, -700, -100)), 401, "is in the past"},
		{"lives too long", jwt(t, key, claims(`"12"`, 0, 3600)), 401, "too far in the future"},
		{"not a JWT", "ghp_token", 401, "could not be decoded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFake(t)
			s.AddApp(fakegithub.App{ID: 12, InstallationID: 34, PublicKey: &key.PublicKey, Login: "csocbot[bot]"})
			status, _, body := do(t, s, "POST", "/app/installations/34/access_tokens", "", "Bearer "+tt.jwt)
			if status != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Fatalf("POST access_tokens = %d %s\nwant %d with %s", status, body, tt.wantStatus, tt.wantBody)
			}
			if status != 201 {
				return
			}
			var out struct{ Token string }
			json.Unmarshal([]byte(body), &out)
			if got := s.InstallationTokens(); len(got) != 1 || got[0] != out.Token {
				t.Errorf("InstallationTokens() = %v, want [%s]", got, out.Token)
			}
			if status, _, body := do(t, s, "POST", "/repos/Codertocat/Hello-World/issues/2/comments", `{"body":"hi"}`, "token "+out.Token); status != 201 || !strings.Contains(body, `"login":"csocbot[bot]"`) || !strings.Contains(body, `"type":"Bot"`) {
				t.Errorf("comment with the installation token = %d %s", status, body)
			}
			if status, _, _ := do(t, s, "POST", "/app/installations/99/access_tokens", "", "Bearer "+tt.jwt); status != 404 {
				t.Errorf("token for an installation of no app: %d, want 404", status)
			}
		})
	}
}
