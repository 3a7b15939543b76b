package server

import (
	"context"

	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/server/repocache"
)

// RepoCache adapts the repository mirror cache to what the server needs.
func RepoCache(c *repocache.Cache) Repos { return repoCache{c} }

type repoCache struct{ c *repocache.Cache }

func (r repoCache) Fetch(ctx context.Context, repo, cloneURL, branch string, prs []int) (string, error) {
	f, err := r.c.Fetch(ctx, repo, cloneURL, repocache.FetchRefs{Branch: branch, PullRequests: prs})
	return f.Branch, err
}

func (r repoCache) MergeCommit(ctx context.Context, repo string, pr int, base, head string) (string, []string, error) {
	m, err := r.c.MergeCommit(ctx, repo, pr, base, head)
	return m.Commit, m.Conflicts, err
}

func (r repoCache) Open(repo string) (*gitrepo.Repo, error) { return r.c.Open(repo) }

func (r repoCache) Checkout(ctx context.Context, repo, sha, dir string) error {
	return r.c.Checkout(ctx, repo, sha, dir)
}

func (r repoCache) ForgetPullRequest(ctx context.Context, repo string, pr int) error {
	return r.c.ForgetPullRequest(ctx, repo, pr)
}

func (r repoCache) Maintain(ctx context.Context) error { return r.c.Maintain(ctx) }
