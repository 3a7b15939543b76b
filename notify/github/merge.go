package github

import (
	"context"
	"errors"
	"fmt"
	"strings"

	gh "github.com/google/go-github/v62/github"

	"github.com/csocbot/csocbot/notify/vcs"
)

// MergePullRequest merges a pull request whose head is still headSHA,
// with the repository's default merge method, and returns the commit that
// merged it. GitHub refuses (405 or 409) a pull request that cannot be
// merged or whose head moved. When an error leaves it unclear whether the
// merge happened, the pull request is read before a retry, so it is never
// merged twice and a merge that landed is not reported as failed.
func (c *APIClient) MergePullRequest(ctx context.Context, repo vcs.Repo, number int, headSHA string) (string, error) {
	var merged string
	landed := func(ctx context.Context) (bool, error) {
		pr, err := c.PullRequest(ctx, repo, number)
		if err != nil {
			return false, err
		}
		if pr.Merged && strings.EqualFold(pr.Head.SHA, headSHA) {
			merged = pr.MergeCommitSHA
			return true, nil
		}
		return false, nil
	}
	res, _, err := call(withLandedCheck(ctx, landed), c.policy, func(ctx context.Context) (*gh.PullRequestMergeResult, *gh.Response, error) {
		return c.gh.PullRequests.Merge(ctx, repo.Owner, repo.Name, number, "", &gh.PullRequestOptions{SHA: headSHA})
	})
	if errors.Is(err, errLanded) {
		return merged, nil
	}
	if err != nil {
		if ambiguous(err) && ctx.Err() == nil {
			if ok, _ := landed(ctx); ok {
				return merged, nil
			}
		}
		return "", fmt.Errorf("github: merge pull request %s#%d: %w", repo, number, err)
	}
	return res.GetSHA(), nil
}
