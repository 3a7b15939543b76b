package webhook

import "strings"

// Kind is a GitHub event type, as named by the X-GitHub-Event header.
type Kind string

// The event types csocbot subscribes to; Parse rejects every other one.
const (
	KindPullRequest       Kind = "pull_request"
	KindIssueComment      Kind = "issue_comment"
	KindPullRequestReview Kind = "pull_request_review"
	KindPush              Kind = "push"
	KindPing              Kind = "ping"
	KindInstallation      Kind = "installation"
)

// Event is what csocbot needs from one webhook delivery. GitHub's payloads
// run to hundreds of fields; keeping only these makes it plain what the bot
// relies on and keeps the rest of the server independent of go-github.
type Event struct {
	Kind Kind
	// Action is the payload's "action" ("opened", "created", …); push and
	// ping events have none.
	Action string
	// Ignored reports an action csocbot has no use for, such as a label
	// added to a pull request or a comment on a plain issue. The server
	// acknowledges such deliveries and drops them.
	Ignored bool

	// Repo is the repository the event happened in. It is zero for
	// installation events and for pings of an App's own webhook.
	Repo Repo
	// InstallationID identifies the GitHub App installation to act as; 0
	// when the delivery came from a repository webhook rather than an App.
	InstallationID int64
	// Sender is whoever triggered the event.
	Sender Actor

	// Number is the pull request number for pull_request,
	// pull_request_review and issue_comment events (for a comment on a plain
	// issue it is the issue number).
	Number int
	// Labels are the pull request's (or issue's) label names.
	Labels []string
	// PullRequest is set for pull_request and pull_request_review events.
	// issue_comment payloads do not describe the pull request's branches,
	// so the server must fetch them before acting on a comment.
	PullRequest *PullRequest

	Comment      *Comment      // issue_comment only
	Review       *Review       // pull_request_review only
	Push         *Push         // push only
	Installation *Installation // installation only
}

// Repo identifies a repository. Its clone_url is deliberately not read:
// a payload's URLs may name any host, and csocbot fetches only from the
// GitHub its configuration names.
type Repo struct {
	FullName      string // "owner/name"
	DefaultBranch string
}

// Actor is a GitHub account.
type Actor struct {
	Login string
	// Type is "User", "Bot" or "Organization".
	Type string
}

// IsBot reports whether the account is a GitHub App or other bot, whose
// comments (csocbot's own among them) must never be taken as commands.
func (a Actor) IsBot() bool { return a.Type == "Bot" }

// PullRequest describes a pull request's branches and state.
type PullRequest struct {
	State  string // "open" or "closed"
	Merged bool   // pull_request_review payloads never say, so false there
	Draft  bool
	Author Actor

	HeadSHA  string
	HeadRef  string
	HeadRepo string // full name; empty when the fork has been deleted
	BaseSHA  string
	BaseRef  string
	BaseRepo string // full name
}

// FromFork reports whether the head branch lives outside the base
// repository. Code from a fork is untrusted, and a deleted fork counts as
// one because nobody can tell where its commits came from.
func (p *PullRequest) FromFork() bool {
	return p.HeadRepo == "" || !strings.EqualFold(p.HeadRepo, p.BaseRepo)
}

// Comment is a comment on an issue or pull request.
type Comment struct {
	ID   int64
	Body string
	// Author wrote the comment (for a deleted comment, the Sender is
	// whoever deleted it).
	Author Actor
	// Association is the author's relationship to the repository:
	// "OWNER", "MEMBER", "COLLABORATOR", "CONTRIBUTOR", "NONE", ….
	Association string
	// OnPullRequest is false for comments on plain issues.
	OnPullRequest bool
}

// Review is a pull request review.
type Review struct {
	ID int64
	// State is "approved", "changes_requested", "commented" or "dismissed".
	State       string
	Reviewer    Actor
	Association string
	// CommitID is the head commit the review was made on; an approval of
	// an older commit does not cover later pushes.
	CommitID string
}

// Push is a push of commits, or the creation or deletion of a ref.
type Push struct {
	Ref     string // full ref name: "refs/heads/main", "refs/tags/v1"
	Before  string // all zeros when the ref was created
	After   string // all zeros when the ref was deleted
	Created bool
	Deleted bool
	Forced  bool
}

// Installation describes an installation event.
type Installation struct {
	Account Actor // the user or organisation the App was installed on
	// Repositories are the full names the installation covers, when the
	// payload lists them.
	Repositories []string
}
