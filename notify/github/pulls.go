package github

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
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

type wireUser struct {
	Login string `json:"login"`
}

type wireBranch struct {
	Ref  string `json:"ref"`
	SHA  string `json:"sha"`
	Repo *struct {
		FullName string `json:"full_name"`
	} `json:"repo"`
}

func (b wireBranch) branch() Branch {
	out := Branch{Ref: b.Ref, SHA: b.SHA}
	if b.Repo != nil {
		out.Repo = b.Repo.FullName
	}
	return out
}

// PullRequest returns a pull request.
func (c *APIClient) PullRequest(ctx context.Context, repo Repo, number int) (*PullRequest, error) {
	var w struct {
		Number  int      `json:"number"`
		Title   string   `json:"title"`
		State   string   `json:"state"`
		HTMLURL string   `json:"html_url"`
		User    wireUser `json:"user"`
		Labels  []struct {
			Name string `json:"name"`
		} `json:"labels"`
		Base           wireBranch `json:"base"`
		Head           wireBranch `json:"head"`
		Draft          bool       `json:"draft"`
		Merged         bool       `json:"merged"`
		MergeableState string     `json:"mergeable_state"`
	}
	if _, err := c.do(ctx, "GET", fmt.Sprintf("%s/pulls/%d", repo.path(), number), nil, &w); err != nil {
		return nil, fmt.Errorf("github: get pull request %s#%d: %w", repo, number, err)
	}
	pr := &PullRequest{
		Number:         w.Number,
		Title:          w.Title,
		State:          w.State,
		HTMLURL:        w.HTMLURL,
		Author:         w.User.Login,
		Base:           w.Base.branch(),
		Head:           w.Head.branch(),
		Draft:          w.Draft,
		Merged:         w.Merged,
		MergeableState: w.MergeableState,
	}
	for _, l := range w.Labels {
		pr.Labels = append(pr.Labels, l.Name)
	}
	pr.Fork = pr.Head.Repo == "" || !strings.EqualFold(pr.Head.Repo, pr.Base.Repo)
	return pr, nil
}

// ChangedFiles lists the files a pull request changes. GitHub lists at
// most 3,000.
func (c *APIClient) ChangedFiles(ctx context.Context, repo Repo, number int) ([]ChangedFile, error) {
	files, err := list[struct {
		Filename         string `json:"filename"`
		PreviousFilename string `json:"previous_filename"`
		Status           string `json:"status"`
		Additions        int    `json:"additions"`
		Deletions        int    `json:"deletions"`
	}](ctx, c, fmt.Sprintf("%s/pulls/%d/files", repo.path(), number))
	if err != nil {
		return nil, fmt.Errorf("github: list the files of pull request %s#%d: %w", repo, number, err)
	}
	out := make([]ChangedFile, len(files))
	for i, f := range files {
		out[i] = ChangedFile{Path: f.Filename, PreviousPath: f.PreviousFilename, Status: f.Status, Additions: f.Additions, Deletions: f.Deletions}
	}
	return out, nil
}

// wireReview is a review as the REST API returns it.
type wireReview struct {
	User        *wireUser `json:"user"` // null for a deleted account
	State       string    `json:"state"`
	CommitID    string    `json:"commit_id"`
	SubmittedAt time.Time `json:"submitted_at"`
}

// Reviews returns each reviewer's current review of a pull request, by
// reviewer login: the latest that approved, requested changes or was
// dismissed, as GitHub counts them (a later comment-only review does not
// withdraw an approval), or else the latest comment-only review. Pending
// reviews, which only their authors see, are left out.
func (c *APIClient) Reviews(ctx context.Context, repo Repo, number int) ([]Review, error) {
	reviews, err := list[wireReview](ctx, c, fmt.Sprintf("%s/pulls/%d/reviews", repo.path(), number))
	if err != nil {
		return nil, fmt.Errorf("github: list the reviews of pull request %s#%d: %w", repo, number, err)
	}
	return latestReviews(reviews), nil
}

// latestReviews reduces reviews, in the chronological order GitHub lists
// them, to each reviewer's current one.
func latestReviews(reviews []wireReview) []Review {
	current := map[string]Review{} // by lower-case login
	for _, w := range reviews {
		state := ReviewState(strings.ToUpper(w.State))
		if w.User == nil || state == ReviewPending {
			continue
		}
		k := strings.ToLower(w.User.Login)
		if prev, ok := current[k]; ok && state == ReviewCommented && prev.State != ReviewCommented {
			continue
		}
		current[k] = Review{Reviewer: w.User.Login, State: state, CommitID: w.CommitID, SubmittedAt: w.SubmittedAt}
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
