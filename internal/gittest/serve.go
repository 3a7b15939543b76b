package gittest

import (
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// Served is a repository served over HTTP by git http-backend, as a git
// host serves a public repository.
type Served struct {
	*Repo
	// URL is the repository's address, http://127.0.0.1:PORT/<name>.
	URL string
	// Fetches counts the upload-pack requests served.
	Fetches atomic.Int32
}

// Serve serves r until the test ends. Requests carrying credentials are
// refused: what is served is public, so a client sending a token sends it
// where it does not belong.
func Serve(t testing.TB, r *Repo) *Served {
	t.Helper()
	gitPath, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	s := &Served{Repo: r}
	backend := &cgi.Handler{
		Path: gitPath,
		Args: []string{"http-backend"},
		Env:  []string{"GIT_PROJECT_ROOT=" + filepath.Dir(r.Dir), "GIT_HTTP_EXPORT_ALL=1", "GIT_CONFIG_NOSYSTEM=1"},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Header.Get("Authorization") != "" {
			http.Error(w, "credentials sent to a public repository", http.StatusBadRequest)
			return
		}
		if strings.HasSuffix(req.URL.Path, "/git-upload-pack") {
			s.Fetches.Add(1)
		}
		backend.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL + "/" + filepath.Base(r.Dir)
	return s
}
