// Package repocache keeps the server's local copies of the repositories it
// watches: one bare mirror per repository, <root>/<owner>/<repo>.git,
// created on first use and then fetched incrementally. A fetch asks only for
// the refs an event needs and stores them as
//
//	refs/heads/<branch>           a branch (a pull request's base, a pushed branch)
//	refs/csocbot/pull/<N>/head    the head of pull request N (GitHub's refs/pull/<N>/head)
//	refs/csocbot/pull/<N>/merge   the merge MergeCommit made for pull request N
//
// Fetches are never shallow, so diffs between any two fetched commits work.
// Names are lower-cased on disk, as GitHub's are case-insensitive.
//
// # Credentials
//
// Each fetch asks the token function for a token (GitHub App installation
// tokens expire after an hour) and sends it as HTTP basic auth. The token is
// never written to disk (the mirror's configuration has no remote at all:
// the clone URL is given to each fetch), never logged, and scrubbed from
// errors. Tokens are sent only over HTTPS, or plain HTTP to a loopback
// address.
//
// # Concurrency
//
// Operations that write to a mirror (Fetch, MergeCommit, ForgetPullRequest,
// Maintain, Remove) hold its lock: a per-repository lock within the process,
// and an flock(2) on <root>/<owner>/<repo>.lock so that several server
// processes can share the root. The lock file lives beside the mirror, not
// in it, so that Remove cannot pull it from under a waiting process; it
// stays behind after Remove.
//
// Reads (Open, Checkout) take no write lock and may run while the
// repository is fetched, because reading commits by SHA is safe then: a
// fetch only adds objects, in a new pack whose index is written before the
// pack is renamed into place. Only Maintain (git gc) deletes objects and
// packs, and it skips a mirror while anyone reads it: readers hold a shared
// flock on <root>/<owner>/<repo>.readers (an Open until its Repo is
// closed). Refs, however, are rewritten in place by go-git (truncated, then
// written), so resolving a ref name while it is fetched can fail: read by
// SHA (Fetch returns the SHAs it fetched). A gitrepo.Repo lists the
// mirror's packs when it first reads an object, so open a new one after a
// fetch to see the fetched commits.
package repocache

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"github.com/csocbot/csocbot/planner/gitrepo"
)

// ErrNoMirror means the repository has not been fetched yet.
var ErrNoMirror = errors.New("repository has not been fetched yet")

// TokenFunc returns a token that can read a repository, or "" to fetch
// without credentials.
type TokenFunc func(ctx context.Context) (string, error)

// Cache is a directory of repository mirrors. It is safe for concurrent use.
type Cache struct {
	root  string
	token TokenFunc
	log   *slog.Logger

	mu    sync.Mutex
	locks map[string]chan struct{} // by mirror directory; see lock
}

// New returns a cache of mirrors under root, which is created when first
// needed. token is called for every fetch; logger may be nil for
// slog.Default().
func New(root string, token TokenFunc, logger *slog.Logger) *Cache {
	if logger == nil {
		logger = slog.Default()
	}
	return &Cache{root: root, token: token, log: logger, locks: make(map[string]chan struct{})}
}

// FetchRefs says what to fetch.
type FetchRefs struct {
	// Branch is a branch name such as "main"; "" fetches no branch.
	Branch string
	// PullRequests are pull request numbers whose heads to fetch.
	PullRequests []int
	// Revision is a branch, tag or commit SHA of a repository csocbot
	// reads but does not watch, such as a chart's: every branch and tag
	// is fetched, and the revision resolved among them.
	Revision string
}

// Fetched reports the commits the fetched refs point to.
type Fetched struct {
	// Branch is the commit of FetchRefs.Branch, "" when none was asked for.
	Branch string
	// PullRequests maps each pull request number asked for to its head commit.
	PullRequests map[int]string
	// Revision is the commit FetchRefs.Revision resolved to.
	Revision string
}

// Fetch brings the mirror of repoFullName ("owner/name") up to date with the
// refs asked for, creating the mirror on first use, and returns the commits
// they point to. cloneURL is the repository's HTTPS clone URL, without
// credentials. Force-pushed refs are overwritten; a ref that does not exist
// upstream (a deleted branch) is an error.
func (c *Cache) Fetch(ctx context.Context, repoFullName, cloneURL string, refs FetchRefs) (Fetched, error) {
	dir, err := c.mirrorDir(repoFullName)
	if err != nil {
		return Fetched{}, err
	}
	safeURL, err := checkCloneURL(cloneURL)
	if err != nil {
		return Fetched{}, fmt.Errorf("fetch %s: %w", repoFullName, err)
	}
	specs, err := refs.refSpecs()
	if err != nil {
		return Fetched{}, fmt.Errorf("fetch %s: %w", repoFullName, err)
	}
	what := refs.describe()

	unlock, err := c.lock(ctx, dir)
	if err != nil {
		return Fetched{}, fmt.Errorf("fetch %s (%s): %w", repoFullName, what, err)
	}
	defer unlock()

	start := time.Now()
	created, err := c.initMirror(dir)
	if err != nil {
		return Fetched{}, fmt.Errorf("fetch %s: %w", repoFullName, err)
	}
	repo, closeRepo, err := openMirror(dir)
	if err != nil {
		return Fetched{}, fmt.Errorf("fetch %s: %w", repoFullName, err)
	}
	defer closeRepo()

	token, err := c.token(ctx)
	if err != nil {
		return Fetched{}, fmt.Errorf("fetch %s: get a token: %w", repoFullName, err)
	}
	var auth transport.AuthMethod
	if token != "" {
		auth = &githttp.BasicAuth{Username: "x-access-token", Password: token}
	}
	remote := git.NewRemote(repo.Storer, &config.RemoteConfig{Name: "origin", URLs: []string{safeURL}})
	err = remote.FetchContext(ctx, &git.FetchOptions{
		RemoteName: "origin",
		RefSpecs:   specs,
		Auth:       auth,
		Tags:       git.NoTags,
	})
	upToDate := errors.Is(err, git.NoErrAlreadyUpToDate)
	if err != nil && !upToDate {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = ctxErr // go-git's wrapping of it hides it from errors.Is
		}
		op := fmt.Sprintf("fetch %s (%s) from %s", repoFullName, what, safeURL)
		return Fetched{}, redact(&fetchError{op: op, err: err, hint: fetchHint(err)}, token)
	}

	fetched, err := refs.resolve(repo)
	if err != nil {
		return Fetched{}, fmt.Errorf("fetch %s: %w", repoFullName, err)
	}
	c.log.Info("fetched repository", "repo", repoFullName, "refs", what,
		"created", created, "up_to_date", upToDate, "duration", time.Since(start).Round(time.Millisecond))
	return fetched, nil
}

// Open opens the mirror of repoFullName for reading. Read commits by SHA;
// see the package documentation for why. The caller closes the Repo, which
// lets Maintain collect the mirror's garbage again.
func (c *Cache) Open(repoFullName string) (*gitrepo.Repo, error) {
	dir, err := c.mirrorDir(repoFullName)
	if err != nil {
		return nil, err
	}
	if err := mirrorExists(dir); err != nil {
		return nil, fmt.Errorf("open %s: %w", repoFullName, err)
	}
	// Without a context to end it, the wait lasts at most one git gc.
	release, err := c.readLease(context.Background(), dir)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", repoFullName, err)
	}
	r, err := gitrepo.Open(dir)
	if err != nil {
		release()
		return nil, err
	}
	r.OnClose(release)
	return r, nil
}

// ForgetPullRequest drops the refs of a closed pull request. Its commits
// stay in the mirror.
func (c *Cache) ForgetPullRequest(ctx context.Context, repoFullName string, pr int) error {
	dir, err := c.mirrorDir(repoFullName)
	if err != nil {
		return err
	}
	if pr <= 0 {
		return fmt.Errorf("forget pull request %d of %s: not a pull request number", pr, repoFullName)
	}
	unlock, err := c.lock(ctx, dir)
	if err != nil {
		return fmt.Errorf("forget pull request %d of %s: %w", pr, repoFullName, err)
	}
	defer unlock()
	if err := mirrorExists(dir); errors.Is(err, ErrNoMirror) {
		return nil
	}
	repo, closeRepo, err := openMirror(dir)
	if err != nil {
		return fmt.Errorf("forget pull request %d of %s: %w", pr, repoFullName, err)
	}
	defer closeRepo()
	for _, ref := range []plumbing.ReferenceName{pullHeadRef(pr), pullMergeRef(pr)} {
		if err := repo.Storer.RemoveReference(ref); err != nil {
			return fmt.Errorf("forget pull request %d of %s: remove %s: %w", pr, repoFullName, ref, err)
		}
	}
	c.log.Info("forgot pull request", "repo", repoFullName, "pull_request", pr)
	return nil
}

// Remove deletes the mirror of repoFullName, if there is one, for a
// repository the server no longer watches. Readers that have it open fail.
func (c *Cache) Remove(ctx context.Context, repoFullName string) error {
	dir, err := c.mirrorDir(repoFullName)
	if err != nil {
		return err
	}
	unlock, err := c.lock(ctx, dir)
	if err != nil {
		return fmt.Errorf("remove the mirror of %s: %w", repoFullName, err)
	}
	defer unlock()
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove the mirror of %s: %w", repoFullName, err)
	}
	c.log.Info("removed mirror", "repo", repoFullName)
	return nil
}

// GitHub's rules for owner (user and organisation) and repository names.
var (
	ownerRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`)
	nameRE  = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
)

// mirrorDir returns where the mirror of "owner/name" lives, refusing names
// that could leave the root.
func (c *Cache) mirrorDir(fullName string) (string, error) {
	owner, name, ok := strings.Cut(fullName, "/")
	if !ok || !ownerRE.MatchString(owner) || !nameRE.MatchString(name) || name == "." || name == ".." {
		return "", fmt.Errorf("%q is not a repository name of the form owner/name", fullName)
	}
	return filepath.Join(c.root, strings.ToLower(owner), strings.ToLower(name)+".git"), nil
}

func mirrorExists(dir string) error {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return ErrNoMirror
	} else if err != nil {
		return fmt.Errorf("look for the mirror: %w", err)
	}
	return nil
}

// initMirror creates an empty bare repository at dir unless there is one,
// building it under a temporary name so that a crash cannot leave a
// half-made mirror behind. The caller holds the lock.
func (c *Cache) initMirror(dir string) (created bool, err error) {
	if err := mirrorExists(dir); !errors.Is(err, ErrNoMirror) {
		return false, err
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return false, fmt.Errorf("create the mirror: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".init-")
	if err != nil {
		return false, fmt.Errorf("create the mirror: %w", err)
	}
	if _, err := git.PlainInit(tmp, true); err != nil {
		os.RemoveAll(tmp)
		return false, fmt.Errorf("create the mirror: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		return false, fmt.Errorf("create the mirror: %w", err)
	}
	c.log.Info("created mirror", "dir", dir)
	return true, nil
}

// openMirror opens a mirror with go-git, keeping its pack files open until
// the returned function is called.
func openMirror(dir string) (*git.Repository, func(), error) {
	if err := mirrorExists(dir); err != nil {
		return nil, nil, err
	}
	st := filesystem.NewStorageWithOptions(osfs.New(dir), cache.NewObjectLRUDefault(), filesystem.Options{KeepDescriptors: true})
	repo, err := git.Open(st, nil)
	if err != nil {
		st.Close()
		return nil, nil, fmt.Errorf("open the mirror %s (remove it to start afresh): %w", dir, err)
	}
	return repo, func() { st.Close() }, nil
}

func branchRef(branch string) plumbing.ReferenceName { return plumbing.NewBranchReferenceName(branch) }

func pullHeadRef(pr int) plumbing.ReferenceName {
	return plumbing.ReferenceName("refs/csocbot/pull/" + strconv.Itoa(pr) + "/head")
}

func pullMergeRef(pr int) plumbing.ReferenceName {
	return plumbing.ReferenceName("refs/csocbot/pull/" + strconv.Itoa(pr) + "/merge")
}

// refSpecs turns the refs asked for into forced refspecs, so that
// force-pushes overwrite the local refs.
func (r FetchRefs) refSpecs() ([]config.RefSpec, error) {
	var specs []config.RefSpec
	if r.Branch != "" {
		ref := branchRef(r.Branch)
		if err := ref.Validate(); err != nil || strings.HasPrefix(r.Branch, "-") {
			return nil, fmt.Errorf("%q is not a valid branch name", r.Branch)
		}
		specs = append(specs, config.RefSpec("+"+ref+":"+ref))
	}
	for _, pr := range r.PullRequests {
		if pr <= 0 {
			return nil, fmt.Errorf("%d is not a pull request number", pr)
		}
		specs = append(specs, config.RefSpec(fmt.Sprintf("+refs/pull/%d/head:%s", pr, pullHeadRef(pr))))
	}
	if r.Revision != "" {
		if strings.HasPrefix(r.Revision, "-") || strings.ContainsAny(r.Revision, " ~^:?*[\\") {
			return nil, fmt.Errorf("%q is not a branch, tag or commit", r.Revision)
		}
		specs = append(specs, "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")
	}
	if len(specs) == 0 {
		return nil, errors.New("no branch or pull request to fetch")
	}
	return specs, nil
}

// describe names the refs for logs and errors: "branch main, pull request #7".
func (r FetchRefs) describe() string {
	var parts []string
	if r.Branch != "" {
		parts = append(parts, "branch "+r.Branch)
	}
	for _, pr := range r.PullRequests {
		parts = append(parts, "pull request #"+strconv.Itoa(pr))
	}
	if r.Revision != "" {
		parts = append(parts, "revision "+r.Revision)
	}
	return strings.Join(parts, ", ")
}

// resolve reads the commits the fetched refs point to. The caller holds the
// lock, so no fetch is rewriting them.
func (r FetchRefs) resolve(repo *git.Repository) (Fetched, error) {
	var f Fetched
	if r.Branch != "" {
		ref, err := repo.Reference(branchRef(r.Branch), true)
		if err != nil {
			return Fetched{}, fmt.Errorf("read the fetched branch %s: %w", r.Branch, err)
		}
		f.Branch = ref.Hash().String()
	}
	if len(r.PullRequests) > 0 {
		f.PullRequests = make(map[int]string, len(r.PullRequests))
	}
	for _, pr := range r.PullRequests {
		ref, err := repo.Reference(pullHeadRef(pr), true)
		if err != nil {
			return Fetched{}, fmt.Errorf("read the fetched head of pull request #%d: %w", pr, err)
		}
		f.PullRequests[pr] = ref.Hash().String()
	}
	if r.Revision != "" {
		h, err := resolveRevision(repo, r.Revision)
		if err != nil {
			return Fetched{}, err
		}
		f.Revision = h.String()
	}
	return f, nil
}

// fullSHA is a commit named by its full SHA-1.
var fullSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)

// resolveRevision resolves a branch, then a tag (peeled to its commit),
// then a full commit SHA, the order Argo CD tries a targetRevision in.
func resolveRevision(repo *git.Repository, rev string) (plumbing.Hash, error) {
	if ref, err := repo.Reference(branchRef(rev), true); err == nil {
		return ref.Hash(), nil
	}
	if ref, err := repo.Reference(plumbing.NewTagReferenceName(rev), true); err == nil {
		if tag, err := repo.TagObject(ref.Hash()); err == nil {
			c, err := tag.Commit()
			if err != nil {
				return plumbing.ZeroHash, fmt.Errorf("tag %s does not point at a commit: %w", rev, err)
			}
			return c.Hash, nil
		}
		return ref.Hash(), nil
	}
	if fullSHA.MatchString(rev) {
		if _, err := repo.CommitObject(plumbing.NewHash(rev)); err == nil {
			return plumbing.NewHash(rev), nil
		}
	}
	return plumbing.ZeroHash, fmt.Errorf("revision %q is no branch or tag of the repository, nor a full SHA of a commit on one of them", rev)
}

// checkCloneURL accepts an HTTPS URL, or an HTTP one to a loopback address
// (tests, a local proxy), without credentials in it. It returns the URL as
// it may appear in errors.
func checkCloneURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("the clone URL does not parse")
	}
	if u.User != nil {
		return "", fmt.Errorf("the clone URL %s has credentials in it; tokens come from the token function", u.Redacted())
	}
	switch {
	case u.Scheme == "https" && u.Host != "":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return "", fmt.Errorf("the clone URL %s is not an https:// URL; csocbot does not send tokens over plain connections", u.Redacted())
	}
	return u.String(), nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// fetchHint tells an operator what to check after a refused fetch.
func fetchHint(err error) string {
	var noRef git.NoMatchingRefSpecError
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired), errors.Is(err, transport.ErrAuthorizationFailed):
		return " (the token was refused: can the GitHub App installation read this repository?)"
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return " (GitHub also answers this when the token cannot read the repository)"
	case errors.As(err, &noRef):
		return " (a deleted branch, or a pull request that no longer exists?)"
	}
	return ""
}

// fetchError is a failed transfer, with a hint at what to check. go-git
// quotes the bodies of HTTP error responses, trailing newline included, so
// the cause's message is trimmed.
type fetchError struct {
	op, hint string
	err      error
}

func (e *fetchError) Error() string { return e.op + ": " + strings.TrimSpace(e.err.Error()) + e.hint }
func (e *fetchError) Unwrap() error { return e.err }

// redactable are the errors callers test a failed fetch for with errors.Is.
var redactable = []error{
	context.Canceled, context.DeadlineExceeded,
	transport.ErrAuthenticationRequired, transport.ErrAuthorizationFailed, transport.ErrRepositoryNotFound,
}

// redact replaces token in err's message. The result unwraps to the errors
// in redactable that err matches, never to err itself, whose message holds
// the token.
func redact(err error, token string) error {
	if token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	r := &redactedError{msg: strings.ReplaceAll(err.Error(), token, "[REDACTED]")}
	for _, kind := range redactable {
		if errors.Is(err, kind) {
			r.kinds = append(r.kinds, kind)
		}
	}
	return r
}

type redactedError struct {
	msg   string
	kinds []error
}

func (e *redactedError) Error() string   { return e.msg }
func (e *redactedError) Unwrap() []error { return e.kinds }
