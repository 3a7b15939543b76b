package repocache

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing/transport"
)

const repoName = "Acme/Infra"

// inPack counts the objects in the mirror's packs.
func inPack(t *testing.T, c *Cache) int {
	t.Helper()
	for _, line := range strings.Split(mirrorGit(t, c, repoName, "count-objects", "-v"), "\n") {
		if v, ok := strings.CutPrefix(line, "in-pack: "); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("git count-objects printed no in-pack count")
	return 0
}

func TestFetchIncremental(t *testing.T) {
	src := newSource(t)
	c, logs := testCache(t, testToken)
	ctx := t.Context()
	main := FetchRefs{Branch: "main"}

	got, err := c.Fetch(ctx, repoName, src.URL, main)
	if err != nil {
		t.Fatal(err)
	}
	if want := src.Git("rev-parse", "main"); got.Branch != want {
		t.Fatalf("first fetch: main = %s, want %s", got.Branch, want)
	}
	dir := filepath.Join(c.root, "acme", "infra.git")
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err != nil {
		t.Fatalf("no bare mirror at %s: %v", dir, err)
	}
	// A file the mirror's re-creation would lose.
	marker := filepath.Join(dir, "csocbot-test-marker")
	if err := os.WriteFile(marker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	before := inPack(t, c)

	old := got.Branch
	src.Append("main.tf", "# second\n")
	second := src.CommitAll("second")
	got, err = c.Fetch(ctx, repoName, src.URL, main)
	if err != nil {
		t.Fatal(err)
	}
	if got.Branch != second {
		t.Fatalf("second fetch: main = %s, want %s", got.Branch, second)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("the mirror was re-created: %v", err)
	}
	newObjects := len(strings.Split(src.Git("rev-list", "--objects", old+".."+second), "\n"))
	if added := inPack(t, c) - before; added != newObjects {
		t.Errorf("second fetch added %d objects; the new commit has %d", added, newObjects)
	}
	r, err := c.Open(repoName)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.ResolveCommit(second); err != nil {
		t.Errorf("the fetched commit does not resolve: %v", err)
	}

	uploads := src.uploads.Load()
	if _, err := c.Fetch(ctx, repoName, src.URL, main); err != nil {
		t.Fatal(err)
	}
	if n := src.uploads.Load() - uploads; n != 0 {
		t.Errorf("a fetch with nothing new transferred a pack %d times", n)
	}
	if strings.Contains(logs.String(), testToken) {
		t.Errorf("the token is in the logs:\n%s", logs)
	}
}

func TestFetchPullRequest(t *testing.T) {
	src := newSource(t)
	base := src.Git("rev-parse", "main")
	src.Git("checkout", "-q", "-b", "feature")
	src.Write("live/prod/vpc/terragrunt.hcl", "inputs = {}\n")
	head := src.CommitAll("add prod vpc")
	src.Git("checkout", "-q", "main")
	src.publishPR(7, head)

	c, _ := testCache(t, testToken)
	ctx := t.Context()
	got, err := c.Fetch(ctx, repoName, src.URL, FetchRefs{Branch: "main", PullRequests: []int{7}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Branch != base || got.PullRequests[7] != head {
		t.Fatalf("Fetch = %+v, want main %s and #7 %s", got, base, head)
	}
	if ref := mirrorGit(t, c, repoName, "rev-parse", "refs/csocbot/pull/7/head"); ref != head {
		t.Errorf("refs/csocbot/pull/7/head = %s, want %s", ref, head)
	}

	// A force-push replaces the head with an unrelated commit.
	src.Git("checkout", "-q", "--orphan", "rewritten")
	src.Write("live/prod/vpc/terragrunt.hcl", "inputs = { cidr = \"10.0.0.0/16\" }\n")
	forced := src.CommitAll("rewritten")
	src.publishPR(7, forced)
	got, err = c.Fetch(ctx, repoName, src.URL, FetchRefs{PullRequests: []int{7}})
	if err != nil {
		t.Fatal(err)
	}
	if got.PullRequests[7] != forced || got.Branch != "" {
		t.Fatalf("after a force-push, Fetch = %+v, want only #7 %s", got, forced)
	}

	if err := c.ForgetPullRequest(ctx, repoName, 7); err != nil {
		t.Fatal(err)
	}
	if refs := mirrorGit(t, c, repoName, "for-each-ref", "refs/csocbot/"); refs != "" {
		t.Errorf("refs left after ForgetPullRequest:\n%s", refs)
	}
	if err := c.ForgetPullRequest(ctx, repoName, 7); err != nil {
		t.Errorf("forgetting a forgotten pull request: %v", err)
	}
}

func TestFetchErrors(t *testing.T) {
	src := newSource(t)
	tokenErr := errors.New("installation suspended")
	tests := []struct {
		name    string
		repo    string
		url     string     // "" for the source's
		refs    *FetchRefs // nil for main
		token   func(context.Context) (string, error)
		wantErr error    // checked with errors.Is when set
		want    []string // in the message
	}{
		{
			name:    "wrong token",
			token:   func(context.Context) (string, error) { return "ghs_wrongTokenValue", nil },
			wantErr: transport.ErrAuthenticationRequired,
			want:    []string{"fetch Acme/Infra (branch main) from http://127.0.0.1", "authentication required", "the token was refused"},
		},
		{
			name:    "token function fails",
			token:   func(context.Context) (string, error) { return "", tokenErr },
			wantErr: tokenErr,
			want:    []string{"get a token: installation suspended"},
		},
		{
			name: "missing pull request",
			refs: &FetchRefs{PullRequests: []int{99}},
			want: []string{"pull request #99", "refs/pull/99/head", "no longer exists"},
		},
		{
			name: "missing branch",
			refs: &FetchRefs{Branch: "nope"},
			want: []string{"branch nope", "deleted branch"},
		},
		{
			name: "credentials in the URL",
			url:  "https://x-access-token:" + testToken + "@github.com/acme/infra.git",
			want: []string{"has credentials in it", "x-access-token:xxxxx@github.com"},
		},
		{
			name: "plain http",
			url:  "http://github.com/acme/infra.git",
			want: []string{"is not an https:// URL"},
		},
		{name: "path in repository name", repo: "acme/../../etc", want: []string{"not a repository name"}},
		{name: "no owner", repo: "infra", want: []string{"not a repository name"}},
		{name: "nothing to fetch", refs: &FetchRefs{}, want: []string{"no branch or pull request to fetch"}},
		{name: "bad branch", refs: &FetchRefs{Branch: "a..b"}, want: []string{`"a..b" is not a valid branch name`}},
		{name: "bad pull request", refs: &FetchRefs{PullRequests: []int{0}}, want: []string{"0 is not a pull request number"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := tt.token
			if token == nil {
				token = func(context.Context) (string, error) { return testToken, nil }
			}
			c := New(t.TempDir(), token, slog.New(slog.DiscardHandler))
			repo, url, refs := repoName, src.URL, FetchRefs{Branch: "main"}
			if tt.repo != "" {
				repo = tt.repo
			}
			if tt.url != "" {
				url = tt.url
			}
			if tt.refs != nil {
				refs = *tt.refs
			}
			_, err := c.Fetch(t.Context(), repo, url, refs)
			if err == nil {
				t.Fatal("Fetch succeeded")
			}
			msg := err.Error()
			t.Log(msg)
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %q is not %v", msg, tt.wantErr)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
			for _, secret := range []string{testToken, "ghs_wrongTokenValue"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q contains a token", msg)
				}
			}
		})
	}
}

func TestFetchCancel(t *testing.T) {
	src := newSource(t)
	c, _ := testCache(t, testToken)
	ctx, cancel := context.WithCancel(t.Context())
	arrived, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	hold := func(r *http.Request) {
		once.Do(func() { close(arrived) })
		select { // the server notices a client gone only once it has read the body
		case <-r.Context().Done():
		case <-release:
		}
	}
	src.onUpload.Store(&hold)
	defer close(release)

	done := make(chan error, 1)
	go func() {
		_, err := c.Fetch(ctx, repoName, src.URL, FetchRefs{Branch: "main"})
		done <- err
	}()
	select {
	case <-arrived:
	case err := <-done:
		t.Fatalf("Fetch returned before the server answered: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the fetch never reached the server")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled Fetch = %v, want context.Canceled", err)
		}
		t.Log(err)
	case <-time.After(10 * time.Second):
		t.Fatal("Fetch did not return after its context was cancelled")
	}

	// The interrupted fetch leaves a mirror the next fetch completes.
	src.onUpload.Store(nil)
	got, err := c.Fetch(t.Context(), repoName, src.URL, FetchRefs{Branch: "main"})
	if err != nil {
		t.Fatalf("fetch after a cancelled one: %v", err)
	}
	if want := src.Git("rev-parse", "main"); got.Branch != want {
		t.Errorf("main = %s, want %s", got.Branch, want)
	}
}

func TestFetchConcurrent(t *testing.T) {
	tests := []struct {
		name   string
		caches int // 2: two caches sharing the root, as two server processes would
	}{
		{"one process", 1},
		{"two processes", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := newSource(t)
			src.Git("update-ref", "refs/pull/1/head", "main")
			// Each transfer lasts long enough for another to overlap it,
			// were fetches not serialised.
			slow := func(*http.Request) { time.Sleep(100 * time.Millisecond) }
			src.onUpload.Store(&slow)

			root := t.TempDir()
			token := func(context.Context) (string, error) { return testToken, nil }
			caches := []*Cache{New(root, token, slog.New(slog.DiscardHandler))}
			if tt.caches == 2 {
				caches = append(caches, New(root, token, slog.New(slog.DiscardHandler)))
			}
			refs := []FetchRefs{{Branch: "main"}, {PullRequests: []int{1}}}
			var wg sync.WaitGroup
			errs := make([]error, len(refs))
			for i := range refs {
				c := caches[i%len(caches)]
				wg.Go(func() { _, errs[i] = c.Fetch(t.Context(), repoName, src.URL, refs[i]) })
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("fetch %d: %v", i, err)
				}
			}
			if n := src.maxInflight.Load(); n != 1 {
				t.Errorf("%d fetches of one repository ran at once, want 1", n)
			}
			want := src.Git("rev-parse", "main")
			for _, ref := range []string{"refs/heads/main", "refs/csocbot/pull/1/head"} {
				if got := mirrorGit(t, caches[0], repoName, "rev-parse", ref); got != want {
					t.Errorf("%s = %s, want %s", ref, got, want)
				}
			}
		})
	}
}

func TestOpenAndRemove(t *testing.T) {
	src := newSource(t)
	c, _ := testCache(t, testToken)
	ctx := t.Context()
	if _, err := c.Open(repoName); !errors.Is(err, ErrNoMirror) {
		t.Fatalf("Open before any fetch = %v, want ErrNoMirror", err)
	}
	if _, err := c.Fetch(ctx, repoName, src.URL, FetchRefs{Branch: "main"}); err != nil {
		t.Fatal(err)
	}
	r, err := c.Open("acme/infra") // names are case-insensitive
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if err := c.Remove(ctx, repoName); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Open(repoName); !errors.Is(err, ErrNoMirror) {
		t.Fatalf("Open after Remove = %v, want ErrNoMirror", err)
	}
	if err := c.Remove(ctx, repoName); err != nil {
		t.Errorf("removing a removed mirror: %v", err)
	}
}

// BenchmarkFetchUpToDate measures the fetch a push of nothing new costs:
// one ref advertisement, no pack.
func BenchmarkFetchUpToDate(b *testing.B) {
	src := newSource(b)
	for i := range 20 {
		src.Write("file"+strconv.Itoa(i)+".tf", strings.Repeat("# line\n", i+1))
		src.CommitAll("commit " + strconv.Itoa(i))
	}
	c := New(b.TempDir(), func(context.Context) (string, error) { return testToken, nil }, slog.New(slog.DiscardHandler))
	ctx := b.Context()
	refs := FetchRefs{Branch: "main"}
	if _, err := c.Fetch(ctx, repoName, src.URL, refs); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := c.Fetch(ctx, repoName, src.URL, refs); err != nil {
			b.Fatal(err)
		}
	}
}
