package server

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver, to tamper with the store's file

	"github.com/csocbot/csocbot/store"
	"github.com/csocbot/csocbot/store/sqlite"
)

const testAPIToken = "api-test-token"

// apiServer is an intake server with the API on, its store and what it
// logs.
func apiServer(t *testing.T) (*Server, *sqlite.Store, *lockedLog) {
	t.Helper()
	tokenFile := filepath.Join(t.TempDir(), "api-token")
	if err := os.WriteFile(tokenFile, []byte(testAPIToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, st := newIntakeServer(t)
	s.cfg = testConfig(t, "api: {token_file: "+tokenFile+"}\n")
	logs := &lockedLog{}
	s.log = slog.New(slog.NewTextHandler(logs, nil))
	return s, st, logs
}

// lockedLog is a log output several goroutines may write to.
type lockedLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedLog) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// callAPI sends a request to h with the API token (unless authorization
// says otherwise: "-" sends no header) and decodes the answer into out.
func callAPI(t *testing.T, h http.Handler, method, target, authorization string, out any) int {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	switch authorization {
	case "":
		req.Header.Set("Authorization", "Bearer "+testAPIToken)
	case "-":
	default:
		req.Header.Set("Authorization", authorization)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", method, target, ct)
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %d %v: %s", method, target, rec.Code, err, rec.Body)
		}
	}
	return rec.Code
}

func TestAPIOff(t *testing.T) {
	s, _ := newIntakeServer(t)
	h := s.Handler()
	for _, tc := range []struct{ method, target string }{
		{"GET", "/api/audit"}, {"GET", "/api/locks"}, {"DELETE", "/api/locks?repo=o/r&unit=u"},
	} {
		var body apiError
		if code := callAPI(t, h, tc.method, tc.target, "", &body); code != http.StatusNotFound || !strings.Contains(body.Error, "the API is off: set api.token_file or api.token_env") {
			t.Errorf("%s %s: %d %q", tc.method, tc.target, code, body.Error)
		}
	}
}

func TestAPIAuthentication(t *testing.T) {
	s, _, logs := apiServer(t)
	h := s.Handler()
	for _, tc := range []struct {
		name, authorization string
		code                int
		message             string
	}{
		{"no header", "-", 401, "send the API token (api.token_file or api.token_env in csocbot's configuration) as the header Authorization: Bearer TOKEN"},
		{"another scheme", "Basic " + testAPIToken, 401, "send the API token"},
		{"empty token", "Bearer ", 401, "send the API token"},
		{"wrong token", "Bearer not-the-token", 401, "the API token is wrong"},
		{"a prefix of the token", "Bearer " + testAPIToken[:5], 401, "the API token is wrong"},
		{"the token and more", "Bearer " + testAPIToken + "x", 401, "the API token is wrong"},
		{"the token", "", 200, ""},
		{"the scheme in lower case", "bearer " + testAPIToken, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/api/locks", nil)
			if tc.authorization != "-" {
				req.Header.Set("Authorization", cmpOr(tc.authorization, "Bearer "+testAPIToken))
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.code {
				t.Fatalf("%d, want %d: %s", rec.Code, tc.code, rec.Body)
			}
			if tc.code != 401 {
				return
			}
			var body apiError
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || !strings.HasPrefix(body.Error, tc.message) {
				t.Errorf("body %s, want an error starting %q", rec.Body, tc.message)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != `Bearer realm="csocbot"` {
				t.Errorf("WWW-Authenticate %q", got)
			}
		})
	}
	if l := logs.String(); !strings.Contains(l, "refused an API request") || strings.Contains(l, testAPIToken[:5]) || strings.Contains(l, "not-the-token") {
		t.Errorf("the log should say a request was refused, and show no token:\n%s", l)
	}
}

// cmpOr is cmp.Or for strings, kept short in the table above.
func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestAPIAudit(t *testing.T) {
	s, _, _ := apiServer(t)
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	clock := now.Add(-48 * time.Hour)
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "csocbot.db"), sqlite.Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s.store = st
	h := s.Handler()

	var empty []store.AuditEntry
	if code := callAPI(t, h, "GET", "/api/audit", "", &empty); code != 200 || empty == nil || len(empty) != 0 {
		t.Fatalf("an empty log: %d %v, want 200 and []", code, empty)
	}
	for i, e := range []store.AuditEntry{
		{Actor: "alice", Action: "plan", Repo: "csoc/infra", PR: 1, Unit: "live/prod/vpc", Outcome: "ok"},
		{Actor: "bob", Action: "plan", Repo: "csoc/infra", PR: 2, Unit: "live/prod/eks", Outcome: "ok"},
		{Actor: "alice", Action: "apply_started", Repo: "csoc/infra", PR: 1, Unit: "live/prod/vpc", PlanSHA256: strings.Repeat("ab", 32)},
		{Actor: "carol", Action: "plan", Repo: "csoc/other", PR: 1, Unit: "live/prod/vpc", Outcome: "failed"},
	} {
		if i == 2 {
			clock = now
		}
		if _, err := st.AppendAudit(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		query string
		want  []int64 // the entries' Seq
	}{
		{"", []int64{1, 2, 3, 4}},
		{"?repo=csoc/infra", []int64{1, 2, 3}},
		{"?repo=csoc/infra&pr=1", []int64{1, 3}},
		{"?unit=live/prod/vpc", []int64{1, 3, 4}},
		{"?since=" + now.Add(-time.Hour).Format(time.RFC3339), []int64{3, 4}},
		{"?limit=2", []int64{3, 4}},
		{"?repo=csoc/nowhere", []int64{}},
	} {
		var got []store.AuditEntry
		if code := callAPI(t, h, "GET", "/api/audit"+tc.query, "", &got); code != 200 {
			t.Errorf("%s: %d", tc.query, code)
			continue
		}
		var seqs []int64
		for _, e := range got {
			seqs = append(seqs, e.Seq)
		}
		if got == nil || len(seqs) != len(tc.want) || len(seqs) > 0 && (seqs[0] != tc.want[0] || seqs[len(seqs)-1] != tc.want[len(tc.want)-1]) {
			t.Errorf("%s: entries %v, want %v", tc.query, seqs, tc.want)
		}
		if tc.query == "" {
			if err := store.VerifyAudit(got); err != nil {
				t.Errorf("the entries returned do not verify: %v", err)
			}
			if got[2].PlanSHA256 != strings.Repeat("ab", 32) || got[0].Actor != "alice" || got[0].Hash == "" {
				t.Errorf("entries %+v", got)
			}
		}
	}
	for _, tc := range []struct{ query, message string }{
		{"?pr=one", `pr is a pull request number, 1 or more; got "one"`},
		{"?pr=0", `pr is a pull request number`},
		{"?since=yesterday", `since is a time in RFC 3339 form, like 2026-12-01T00:00:00Z; got "yesterday"`},
		{"?limit=0", `limit is how many of the newest entries to return, 1 to 10000; got "0"`},
		{"?limit=10001", `limit is how many`},
		{"?rep=csoc/infra", `unknown query parameter "rep"; expected repo, pr, unit, since, limit`},
		{"?repo=a&repo=b", `query parameter "repo" is given 2 times; give it once`},
		{"?unit=" + strings.Repeat("u", maxAPIValue+1), `query parameter "unit" is 1025 bytes long, more than the 1024 allowed`},
		{"?repo=%zz", `the query is malformed`},
	} {
		var body apiError
		if code := callAPI(t, h, "GET", "/api/audit"+tc.query, "", &body); code != 400 || !strings.HasPrefix(body.Error, tc.message) {
			t.Errorf("%.40s: %d %q, want 400 and %q", tc.query, code, body.Error, tc.message)
		}
	}
}

func TestAPILocks(t *testing.T) {
	s, st, _ := apiServer(t)
	h := s.Handler()
	var locks []store.Lock
	if code := callAPI(t, h, "GET", "/api/locks", "", &locks); code != 200 || locks == nil || len(locks) != 0 {
		t.Fatalf("no locks: %d %v, want 200 and []", code, locks)
	}
	for _, l := range []store.Lock{
		{Repo: "csoc/infra", Unit: "live/prod/vpc", PR: 7, HeadSHA: "abc", Holder: "alice"},
		{Repo: "csoc/infra", Unit: "live/prod/eks", Workspace: "blue", PR: 8, HeadSHA: "def", Holder: "bob"},
		{Repo: "csoc/other", Unit: "live/prod/vpc", PR: 1, HeadSHA: "123", Holder: "carol"},
	} {
		if _, ok, err := st.TryLock(t.Context(), l); err != nil || !ok {
			t.Fatal(ok, err)
		}
	}
	if code := callAPI(t, h, "GET", "/api/locks", "", &locks); code != 200 || len(locks) != 3 {
		t.Errorf("every lock: %d %v", code, locks)
	}
	if code := callAPI(t, h, "GET", "/api/locks?repo=csoc/infra", "", &locks); code != 200 || len(locks) != 2 || locks[0].Unit != "live/prod/eks" || locks[0].Workspace != "blue" || locks[1].Holder != "alice" || locks[1].Acquired.IsZero() {
		t.Errorf("csoc/infra's locks: %d %+v", code, locks)
	}

	for _, tc := range []struct{ query, message string }{
		{"?repo=csoc/infra", "repo and unit are required: DELETE /api/locks?repo=OWNER/NAME&unit=PATH[&workspace=NAME]"},
		{"?unit=live/prod/vpc", "repo and unit are required"},
		{"?repo=csoc/infra&unit=live/prod/vpc&pr=7", `unknown query parameter "pr"; expected repo, unit, workspace`},
	} {
		var body apiError
		if code := callAPI(t, h, "DELETE", "/api/locks"+tc.query, "", &body); code != 400 || !strings.HasPrefix(body.Error, tc.message) {
			t.Errorf("DELETE %s: %d %q, want 400 and %q", tc.query, code, body.Error, tc.message)
		}
	}
	var body apiError
	if code := callAPI(t, h, "DELETE", "/api/locks?repo=csoc/infra&unit=live/prod/eks", "", &body); code != 404 || body.Error != "nobody holds the lock of live/prod/eks in csoc/infra; GET /api/locks lists the locks held" {
		t.Errorf("the default workspace of a unit locked in another: %d %q", code, body.Error)
	}
	if code := callAPI(t, h, "DELETE", "/api/locks?repo=csoc/infra&unit=live/prod/eks", "-", &body); code != 401 {
		t.Errorf("a release without the token: %d", code)
	}

	var released store.Lock
	if code := callAPI(t, h, "DELETE", "/api/locks?repo=csoc/infra&unit=live/prod/eks&workspace=blue", "", &released); code != 200 || released.PR != 8 || released.Holder != "bob" {
		t.Fatalf("release: %d %+v", code, released)
	}
	if code := callAPI(t, h, "DELETE", "/api/locks?repo=csoc/infra&unit=live/prod/eks&workspace=blue", "", &body); code != 404 || !strings.Contains(body.Error, "live/prod/eks (workspace blue)") {
		t.Errorf("a second release: %d %q", code, body.Error)
	}
	if left, err := st.Locks(t.Context(), "csoc/infra"); err != nil || len(left) != 1 || left[0].Unit != "live/prod/vpc" {
		t.Errorf("locks left %v, %v", left, err)
	}
	entries, err := st.Audit(t.Context(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := store.AuditEntry{Actor: "api", Action: "unlock", Repo: "csoc/infra", PR: 8, HeadSHA: "def", Unit: "live/prod/eks", Outcome: "ok",
		Detail: "released through the API (workspace blue); held by #8 (bob)"}
	if len(entries) != 1 {
		t.Fatalf("audit entries %+v, want one for the release", entries)
	}
	got := entries[0]
	got.Seq, got.Time, got.PrevHash, got.Hash = 0, time.Time{}, "", ""
	if got != want {
		t.Errorf("audit entry\n%+v\nwant\n%+v", got, want)
	}
}

// TestAuditHeadLogged checks that the server logs the audit chain's head
// at start and then periodically, and an error naming the first broken
// entry once the log is tampered with.
func TestAuditHeadLogged(t *testing.T) {
	db := filepath.Join(t.TempDir(), "csocbot.db")
	s, st := newIntakeServerAt(t, db)
	logs := &lockedLog{}
	s.log = slog.New(slog.NewTextHandler(logs, nil))
	s.auditHeadEvery = 10 * time.Millisecond
	var last store.AuditEntry
	for range 3 {
		var err error
		if last, err = st.AppendAudit(t.Context(), store.AuditEntry{Actor: "alice", Action: "plan", Repo: "csoc/infra", PR: 1}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan struct{})
	go func() {
		s.logAuditHead(ctx)
		close(done)
	}()
	head := "audit chain head\" seq=3 hash=" + last.Hash
	waitFor(t, logs, head, 2)

	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, stmt := range []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`, `UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`} {
		if _, err := raw.ExecContext(t.Context(), stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	waitFor(t, logs, "level=ERROR msg=\"the audit log was tampered with: the audit log is broken at entry 2: its contents hash to", 1)
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("logAuditHead did not stop when its context ended")
	}
}

// waitFor waits until logs holds want at least n times.
func waitFor(t *testing.T, logs *lockedLog, want string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(logs.String(), want) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the log has %q fewer than %d times in 10s:\n%s", want, n, logs)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
