package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/server/repocache"
)

// chartMirrors fetches charts' git repositories through mirror caches,
// one per host, and checks each commit out once. csocbot's GitHub token
// goes only to the configured GitHub host; other hosts (already on the
// chart_hosts allow list) are fetched without credentials.
type chartMirrors struct {
	root  string
	gh    config.GitHub
	token repocache.TokenFunc
	log   *slog.Logger

	mu     sync.Mutex
	caches map[string]*repocache.Cache // by host
}

func newChartMirrors(root string, gh config.GitHub, token repocache.TokenFunc, log *slog.Logger) *chartMirrors {
	return &chartMirrors{root: root, gh: gh, token: token, log: log, caches: map[string]*repocache.Cache{}}
}

// FetchGit returns the files of repoURL at revision (a branch, tag or
// commit SHA) and the commit it resolved to.
func (m *chartMirrors) FetchGit(ctx context.Context, repoURL, revision string) (fs.FS, string, error) {
	host, name, cloneURL, err := m.split(repoURL)
	if err != nil {
		return nil, "", err
	}
	cache := m.cache(host)
	if revision == "" || revision == "HEAD" {
		return nil, "", fmt.Errorf("chart repository %s: name a targetRevision (a branch, tag or commit); csocbot does not guess the default branch", repoURL)
	}
	got, err := cache.Fetch(ctx, name, cloneURL, repocache.FetchRefs{Revision: revision})
	if err != nil {
		return nil, "", err
	}
	dir := filepath.Join(m.root, "checkouts", hostDir(host), filepath.FromSlash(strings.ToLower(name)), got.Revision)
	if _, err := os.Stat(dir); err == nil {
		return os.DirFS(dir), got.Revision, nil
	}
	// Check out beside the final folder and rename, so a concurrent run
	// never reads a half-written tree.
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return nil, "", err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".checkout-")
	if err != nil {
		return nil, "", err
	}
	defer os.RemoveAll(tmp)
	if err := cache.Checkout(ctx, name, got.Revision, tmp); err != nil {
		return nil, "", err
	}
	if err := os.Rename(tmp, dir); err != nil && !errors.Is(err, fs.ErrExist) && !isNotEmpty(err) {
		return nil, "", err
	}
	return os.DirFS(dir), got.Revision, nil
}

func isNotEmpty(err error) bool {
	var le *os.LinkError
	return errors.As(err, &le) && strings.Contains(le.Err.Error(), "not empty")
}

// split checks repoURL names a repository (owner/name) over HTTPS, or
// plain HTTP on loopback, and returns its host, name and clone URL.
func (m *chartMirrors) split(repoURL string) (host, name, cloneURL string, err error) {
	u, err := url.Parse(repoURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", "", "", fmt.Errorf("chart repository %q: expected an https:// URL of a git repository", repoURL)
	}
	name = strings.TrimSuffix(strings.Trim(u.Path, "/"), ".git")
	if strings.Count(name, "/") != 1 {
		return "", "", "", fmt.Errorf("chart repository %q: expected https://HOST/OWNER/NAME", repoURL)
	}
	host = strings.ToLower(u.Host)
	return host, name, u.Scheme + "://" + u.Host + "/" + name + ".git", nil
}

func (m *chartMirrors) cache(host string) *repocache.Cache {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.caches[host]; ok {
		return c
	}
	var token repocache.TokenFunc = func(context.Context) (string, error) { return "", nil }
	if host == m.gh.Host() && m.token != nil {
		token = m.token
	}
	c := repocache.New(filepath.Join(m.root, "mirrors", hostDir(host)), token, m.log)
	m.caches[host] = c
	return c
}

// hostDir is a host as a folder name.
func hostDir(host string) string { return strings.ReplaceAll(host, ":", "_") }
