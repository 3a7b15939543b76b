package repocache

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/internal/testtools"
)

const testToken = "ghs_s3cr3tT0kenForTests"

// source is a repository served by git http-backend behind basic auth, the
// way GitHub serves repositories to an App installation.
type source struct {
	*gittest.Repo
	t   testing.TB
	URL string

	uploads     atomic.Int32 // upload-pack requests served (fetches that transferred)
	inflight    atomic.Int32
	maxInflight atomic.Int32
	// onUpload, when set, runs at the start of each upload-pack request.
	onUpload atomic.Pointer[func(*http.Request)]
}

// newSource makes a repository with one commit on main and serves it.
func newSource(t testing.TB) *source {
	t.Helper()
	gitPath, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	s := &source{Repo: gittest.New(t, ""), t: t}
	s.Write("main.tf", "# main\n")
	s.Write("modules/vpc/main.tf", "variable \"cidr\" {}\n")
	s.CommitAll("initial")

	backend := &cgi.Handler{
		Path: gitPath,
		Args: []string{"http-backend"},
		Env: []string{
			"GIT_PROJECT_ROOT=" + filepath.Dir(s.Dir),
			"GIT_HTTP_EXPORT_ALL=1",
			"GIT_CONFIG_NOSYSTEM=1",
		},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user, pass, ok := r.BasicAuth(); !ok || user != "x-access-token" || pass != testToken {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "bad credentials", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/git-upload-pack") {
			s.uploads.Add(1)
			n := s.inflight.Add(1)
			defer s.inflight.Add(-1)
			for m := s.maxInflight.Load(); n > m && !s.maxInflight.CompareAndSwap(m, n); m = s.maxInflight.Load() {
			}
			if f := s.onUpload.Load(); f != nil {
				(*f)(r)
			}
		}
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL + "/" + filepath.Base(s.Dir)
	return s
}

// publishPR points refs/pull/<n>/head at rev, as GitHub does for a pull
// request.
func (s *source) publishPR(n int, rev string) {
	s.Git("update-ref", "refs/pull/"+strconv.Itoa(n)+"/head", rev)
}

// gitStdin runs git in the source's work tree with input on stdin.
func (s *source) gitStdin(input string, args ...string) string {
	s.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = s.Dir
	cmd.Stdin = strings.NewReader(input)
	out, err := cmd.CombinedOutput()
	if err != nil {
		s.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// testCache returns a cache in a fresh directory that logs into the test's
// output and into logs, for checking that the token is never logged.
func testCache(t testing.TB, token string) (*Cache, *testtools.SyncBuffer) {
	t.Helper()
	logs := &testtools.SyncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return New(t.TempDir(), func(context.Context) (string, error) { return token, nil }, logger), logs
}

// mirrorGit runs git on a mirror of the cache.
func mirrorGit(t testing.TB, c *Cache, repo string, args ...string) string {
	t.Helper()
	dir, err := c.mirrorDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("git", args...)
	cmd.Env = append(os.Environ(), "GIT_DIR="+dir, "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}
