package github

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	gh "github.com/google/go-github/v62/github"

	"github.com/csocbot/csocbot/notify/vcs"
)

// newBranch converts one side of go-github's pull request.
func newBranch(b *gh.PullRequestBranch) vcs.Branch {
	// No repository: it was deleted.
	return vcs.Branch{Ref: b.GetRef(), SHA: b.GetSHA(), Repo: b.GetRepo().GetFullName()}
}

// PullRequest returns a pull request.
func (c *APIClient) PullRequest(ctx context.Context, repo vcs.Repo, number int) (*vcs.PullRequest, error) {
	w, _, err := call(ctx, c.policy, func(ctx context.Context) (*gh.PullRequest, *gh.Response, error) {
		return c.gh.PullRequests.Get(ctx, repo.Owner, repo.Name, number)
	})
	if err != nil {
		return nil, fmt.Errorf("github: get pull request %s#%d: %w", repo, number, err)
	}
	pr := &vcs.PullRequest{
		Number:         w.GetNumber(),
		Title:          w.GetTitle(),
		State:          w.GetState(),
		HTMLURL:        w.GetHTMLURL(),
		Author:         w.GetUser().GetLogin(),
		Base:           newBranch(w.GetBase()),
		Head:           newBranch(w.GetHead()),
		Draft:          w.GetDraft(),
		Merged:         w.GetMerged(),
		MergeCommitSHA: w.GetMergeCommitSHA(),
		MergeableState: w.GetMergeableState(),
	}
	for _, l := range w.Labels {
		pr.Labels = append(pr.Labels, l.GetName())
	}
	pr.Fork = pr.Head.Repo == "" || !strings.EqualFold(pr.Head.Repo, pr.Base.Repo)
	return pr, nil
}

// ChangedFiles lists the files a pull request changes. GitHub lists at
// most 3,000.
func (c *APIClient) ChangedFiles(ctx context.Context, repo vcs.Repo, number int) ([]vcs.ChangedFile, error) {
	files, err := listAll(ctx, c.policy, func(ctx context.Context, page *gh.ListOptions) ([]*gh.CommitFile, *gh.Response, error) {
		return c.gh.PullRequests.ListFiles(ctx, repo.Owner, repo.Name, number, page)
	})
	if err != nil {
		return nil, fmt.Errorf("github: list the files of pull request %s#%d: %w", repo, number, err)
	}
	out := make([]vcs.ChangedFile, len(files))
	for i, f := range files {
		out[i] = vcs.ChangedFile{Path: f.GetFilename(), PreviousPath: f.GetPreviousFilename(), Status: f.GetStatus(), Additions: f.GetAdditions(), Deletions: f.GetDeletions()}
	}
	return out, nil
}

// Reviews returns each reviewer's current review of a pull request, by
// reviewer login: the latest that approved, requested changes or was
// dismissed, as GitHub counts them (a later comment-only review does not
// withdraw an approval), or else the latest comment-only review. Pending
// reviews, which only their authors see, are left out.
func (c *APIClient) Reviews(ctx context.Context, repo vcs.Repo, number int) ([]vcs.Review, error) {
	reviews, err := listAll(ctx, c.policy, func(ctx context.Context, page *gh.ListOptions) ([]*gh.PullRequestReview, *gh.Response, error) {
		return c.gh.PullRequests.ListReviews(ctx, repo.Owner, repo.Name, number, page)
	})
	if err != nil {
		return nil, fmt.Errorf("github: list the reviews of pull request %s#%d: %w", repo, number, err)
	}
	return latestReviews(reviews), nil
}

// latestReviews reduces reviews, in the chronological order GitHub lists
// them, to each reviewer's current one.
func latestReviews(reviews []*gh.PullRequestReview) []vcs.Review {
	current := map[string]vcs.Review{} // by lower-case login
	for _, w := range reviews {
		state := vcs.ReviewState(strings.ToUpper(w.GetState()))
		if w.User == nil || state == vcs.ReviewPending { // no user: a deleted account
			continue
		}
		login := w.User.GetLogin()
		k := strings.ToLower(login)
		if prev, ok := current[k]; ok && state == vcs.ReviewCommented && prev.State != vcs.ReviewCommented {
			continue
		}
		current[k] = vcs.Review{Reviewer: login, State: state, CommitID: w.GetCommitID(), SubmittedAt: w.GetSubmittedAt().Time}
	}
	out := make([]vcs.Review, 0, len(current))
	for _, r := range current {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b vcs.Review) int {
		return cmp.Compare(strings.ToLower(a.Reviewer), strings.ToLower(b.Reviewer))
	})
	return out
}
