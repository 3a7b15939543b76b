// Package vcs holds the values csocbot's server and its GitHub client
// exchange: repositories, pull requests, reviews, comments, reactions,
// commit statuses and permissions. It is plain data and pure functions, so
// that the server declares the GitHub calls it makes without importing the
// client that makes them.
package vcs

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Repo is a GitHub repository.
type Repo struct {
	Owner, Name string
}

// ParseRepo parses "owner/name".
func ParseRepo(fullName string) (Repo, error) {
	owner, name, ok := strings.Cut(fullName, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return Repo{}, fmt.Errorf("github: repository %q is not owner/name", fullName)
	}
	return Repo{Owner: owner, Name: name}, nil
}

// String returns "owner/name".
func (r Repo) String() string { return r.Owner + "/" + r.Name }

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
	// MergeCommitSHA is, once Merged, the commit that merged it: a merge
	// commit, the squashed commit, or the last rebased one.
	MergeCommitSHA string
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

// MaxCommentLength is GitHub's limit on a comment body, in characters.
const MaxCommentLength = 65536

// postMarkerLength is how many characters the GitHub client's
// CreateComment appends to a body, to find the comment again after an
// error: a newline and a marker like "<!-- csocbot:post:0123456789abcdef -->".
const postMarkerLength = 1 + len("<!-- csocbot:post:") + 16 + len(" -->")

// MaxCreateLength is the longest body a new comment may have, in
// characters: GitHub's limit less the marker the client appends.
const MaxCreateLength = MaxCommentLength - postMarkerLength

// Comment is a pull request conversation comment.
type Comment struct {
	ID int64
	// NodeID is the comment's GraphQL id, which minimizing a comment takes.
	NodeID    string
	Author    string
	Body      string
	HTMLURL   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Marked returns the comments that carry marker, a hidden HTML comment
// such as "<!-- csocbot:plan -->", on a line of its own. A quoted marker
// ("> <!-- … -->") does not count. Callers that must not act on other
// people's comments should also check Author.
func Marked(comments []Comment, marker string) []Comment {
	var out []Comment
	for _, c := range comments {
		if slices.ContainsFunc(strings.Split(c.Body, "\n"), func(line string) bool {
			return strings.TrimSpace(line) == marker
		}) {
			out = append(out, c)
		}
	}
	return out
}

// MinimizeReason is why a comment is minimized, GraphQL's
// ReportedContentClassifiers; GitHub shows it as "This comment was marked
// as outdated" and so on.
type MinimizeReason string

// The reasons GitHub offers.
const (
	MinimizeOutdated  MinimizeReason = "OUTDATED"
	MinimizeResolved  MinimizeReason = "RESOLVED"
	MinimizeDuplicate MinimizeReason = "DUPLICATE"
	MinimizeOffTopic  MinimizeReason = "OFF_TOPIC"
	MinimizeSpam      MinimizeReason = "SPAM"
	MinimizeAbuse     MinimizeReason = "ABUSE"
)

// Reaction is a reaction to a comment.
type Reaction string

// The reactions GitHub offers.
const (
	ReactionThumbsUp   Reaction = "+1"
	ReactionThumbsDown Reaction = "-1"
	ReactionLaugh      Reaction = "laugh"
	ReactionConfused   Reaction = "confused"
	ReactionHeart      Reaction = "heart"
	ReactionHooray     Reaction = "hooray"
	ReactionRocket     Reaction = "rocket"
	ReactionEyes       Reaction = "eyes"
)

// PlanContext is the commit status context of a pull request's plan as a
// whole; UnitContext names a unit's.
const PlanContext = "csocbot/plan"

// PolicyContext is the commit status context of the policy checks of a
// pull request head: failure while a policy set fails and is not
// overridden. Branch protection can require it.
const PolicyContext = "csocbot/policy"

// UnitContext is the commit status context of one unit's plan, such as
// "csocbot/plan: live/prod/vpc".
func UnitContext(unit string) string { return PlanContext + ": " + unit }

// ApplyContext is the commit status context of a pull request's apply as
// a whole; ApplyUnitContext names a unit's, "csocbot/apply: live/prod/vpc".
const ApplyContext = "csocbot/apply"

// ApplyUnitContext is the commit status context of one unit's apply.
func ApplyUnitContext(unit string) string { return ApplyContext + ": " + unit }

// ValuesContext is the commit status context of a gitops pull request's
// values check: failure while an Application cannot be read or rendered,
// or a policy set fails and is not overridden. Branch protection can
// require it.
const ValuesContext = "csocbot/values"

// StatusState is the state of a commit status.
type StatusState string

// The commit status states.
const (
	StatusPending StatusState = "pending"
	StatusSuccess StatusState = "success"
	StatusFailure StatusState = "failure"
	StatusError   StatusState = "error"
)

// Status is a commit status. A commit has one per context, the latest set.
type Status struct {
	Context string
	State   StatusState
	// Description is shown beside the status; GitHub takes at most 140
	// characters, and the client truncates longer ones.
	Description string
	// TargetURL is where the status links to, if anywhere.
	TargetURL string
}

// Permission is a person's access to a repository, ordered from least to
// most: a Permission includes every lower one.
type Permission int

// The repository permissions, as GitHub names its base roles.
const (
	PermissionNone Permission = iota
	PermissionRead
	PermissionTriage
	PermissionWrite
	PermissionMaintain
	PermissionAdmin
)

var permissionNames = []string{"none", "read", "triage", "write", "maintain", "admin"}

// String returns GitHub's name of the permission.
func (p Permission) String() string {
	if p < 0 || int(p) >= len(permissionNames) {
		return fmt.Sprintf("Permission(%d)", int(p))
	}
	return permissionNames[p]
}

// ParsePermission reads GitHub's name of a base role; it reports false
// for anything else, such as a custom role's name.
func ParsePermission(name string) (Permission, bool) {
	for i, n := range permissionNames {
		if n == name {
			return Permission(i), true
		}
	}
	return PermissionNone, false
}
