package github

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	gh "github.com/google/go-github/v62/github"
)

// PullRequest is what csocbot needs to know about a pull request.
type PullRequest struct {
	Number  int
	Title   string
	State   string // open or closed
	HTMLURL string
	Author  string
	Labels  []string
	Base    Branch
	Head    Branch
	Draft   bool
	Merged  bool
	// MergeableState is GitHub's verdict on merging, such as clean,
	// blocked, behind, dirty or unstable. GitHub computes it in the
	// background: "unknown" means not yet.
	MergeableState string
	// Fork is true when the head branch is in another repository than the
	// base, or in one since deleted. Its code is not the base owners'.
	Fork bool
}

// Branch is one side of a pull request.
type Branch struct {
	Ref string
	SHA string
	// Repo is the repository's owner/name, empty when it was deleted.
	Repo string
}

// ChangedFile is a file a pull request changes.
type ChangedFile struct {
	Path string
	// PreviousPath is the path before a rename, else empty.
	PreviousPath string
	// Status is added, removed, modified, renamed, copied, changed or
	// unchanged.
	Status    string
	Additions int
	Deletions int
}

// ReviewState is the state of a review.
type ReviewState string

// The review states GitHub reports.
const (
	ReviewApproved         ReviewState = "APPROVED"
	ReviewChangesRequested ReviewState = "CHANGES_REQUESTED"
	ReviewCommented        ReviewState = "COMMENTED"
	ReviewDismissed        ReviewState = "DISMISSED"
	ReviewPending          ReviewState = "PENDING"
)

// Review is a reviewer's current review of a pull request.
type Review struct {
	Reviewer string
	State    ReviewState
	// CommitID is the head commit the review was of: an approval of an
	// older commit may not cover the latest changes.
	CommitID    string
	SubmittedAt time.Time
}

// newBranch converts one side of go-github's pull request.
func newBranch(b *gh.PullRequestBranch) Branch {
	// No repository: it was deleted.
	return Branch{Ref: b.GetRef(), SHA: b.GetSHA(), Repo: b.GetRepo().GetFullName()}
}

// PullRequest returns a pull request.
func (c *APIClient) PullRequest(ctx context.Context, repo Repo, number int) (*PullRequest, error) {
	w, _, err := call(ctx, func(ctx context.Context) (*gh.PullRequest, *gh.Response, error) {
		return c.gh.PullRequests.Get(ctx, repo.Owner, repo.Name, number)
	})
	if err != nil {
		return nil, fmt.Errorf("github: get pull request %s#%d: %w", repo, number, err)
	}
	pr := &PullRequest{
		Number:         w.GetNumber(),
		Title:          w.GetTitle(),
		State:          w.GetState(),
		HTMLURL:        w.GetHTMLURL(),
		Author:         w.GetUser().GetLogin(),
		Base:           newBranch(w.GetBase()),
		Head:           newBranch(w.GetHead()),
		Draft:          w.GetDraft(),
		Merged:         w.GetMerged(),
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
func (c *APIClient) ChangedFiles(ctx context.Context, repo Repo, number int) ([]ChangedFile, error) {
	files, err := listAll(ctx, func(ctx context.Context, page *gh.ListOptions) ([]*gh.CommitFile, *gh.Response, error) {
		return c.gh.PullRequests.ListFiles(ctx, repo.Owner, repo.Name, number, page)
	})
	if err != nil {
		return nil, fmt.Errorf("github: list the files of pull request %s#%d: %w", repo, number, err)
	}
	out := make([]ChangedFile, len(files))
	for i, f := range files {
		out[i] = ChangedFile{Path: f.GetFilename(), PreviousPath: f.GetPreviousFilename(), Status: f.GetStatus(), Additions: f.GetAdditions(), Deletions: f.GetDeletions()}
	}
	return out, nil
}

// Reviews returns each reviewer's current review of a pull request, by
// reviewer login: the latest that approved, requested changes or was
// dismissed, as GitHub counts them (a later comment-only review does not
// withdraw an approval), or else the latest comment-only review. Pending
// reviews, which only their authors see, are left out.
func (c *APIClient) Reviews(ctx context.Context, repo Repo, number int) ([]Review, error) {
	reviews, err := listAll(ctx, func(ctx context.Context, page *gh.ListOptions) ([]*gh.PullRequestReview, *gh.Response, error) {
		return c.gh.PullRequests.ListReviews(ctx, repo.Owner, repo.Name, number, page)
	})
	if err != nil {
		return nil, fmt.Errorf("github: list the reviews of pull request %s#%d: %w", repo, number, err)
	}
	return latestReviews(reviews), nil
}

// latestReviews reduces reviews, in the chronological order GitHub lists
// them, to each reviewer's current one.
func latestReviews(reviews []*gh.PullRequestReview) []Review {
	current := map[string]Review{} // by lower-case login
	for _, w := range reviews {
		state := ReviewState(strings.ToUpper(w.GetState()))
		if w.User == nil || state == ReviewPending { // no user: a deleted account
			continue
		}
		login := w.User.GetLogin()
		k := strings.ToLower(login)
		if prev, ok := current[k]; ok && state == ReviewCommented && prev.State != ReviewCommented {
			continue
		}
		current[k] = Review{Reviewer: login, State: state, CommitID: w.GetCommitID(), SubmittedAt: w.GetSubmittedAt().Time}
	}
	out := make([]Review, 0, len(current))
	for _, r := range current {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Review) int {
		return cmp.Compare(strings.ToLower(a.Reviewer), strings.ToLower(b.Reviewer))
	})
	return out
}
