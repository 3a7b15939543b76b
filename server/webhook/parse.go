package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-github/v62/github"
)

// ErrMalformedPayload means a supported event's body is not the JSON GitHub
// sends for it; a server answers it with 400 Bad Request.
var ErrMalformedPayload = errors.New("malformed webhook payload")

// UnsupportedEventError means Parse does not handle the event type. GitHub
// sends every event a webhook subscribes to, so a server acknowledges these
// (202 Accepted) and ignores them rather than reporting a failed delivery.
type UnsupportedEventError struct {
	Type string
}

func (e *UnsupportedEventError) Error() string {
	return fmt.Sprintf("unsupported GitHub event type %q", e.Type)
}

// Parse decodes body, the payload of an event of type eventType (the
// X-GitHub-Event header). It returns an *UnsupportedEventError for event
// types csocbot does not handle, without looking at the body, and an error
// wrapping ErrMalformedPayload when the body cannot be decoded or lacks what
// the event type always carries.
func Parse(eventType string, body []byte) (Event, error) {
	kind := Kind(eventType)
	switch kind {
	case KindPullRequest:
		return decode(kind, body, fromPullRequest)
	case KindIssueComment:
		return decode(kind, body, fromIssueComment)
	case KindPullRequestReview:
		return decode(kind, body, fromReview)
	case KindPush:
		return decode(kind, body, fromPush)
	case KindPing:
		return decode(kind, body, fromPing)
	case KindInstallation:
		return decode(kind, body, fromInstallation)
	}
	return Event{}, &UnsupportedEventError{Type: eventType}
}

// decode unmarshals body into go-github's type for the event and maps it
// with build, which reports the name of a required field that is absent.
func decode[T any](kind Kind, body []byte, build func(*T) (Event, string)) (Event, error) {
	var payload T
	if err := json.Unmarshal(body, &payload); err != nil {
		return Event{}, fmt.Errorf("%w: %s event: %w", ErrMalformedPayload, kind, err)
	}
	ev, missing := build(&payload)
	if missing != "" {
		return Event{}, fmt.Errorf("%w: %s event has no %s", ErrMalformedPayload, kind, missing)
	}
	ev.Kind = kind
	return ev, nil
}

// handledPullRequestActions are the pull_request actions that change what
// csocbot should plan or clean up.
var handledPullRequestActions = map[string]bool{
	"opened": true, "reopened": true, "synchronize": true, "ready_for_review": true, "closed": true,
}

func fromPullRequest(p *github.PullRequestEvent) (Event, string) {
	if p.PullRequest == nil {
		return Event{}, "pull_request"
	}
	if p.Repo == nil {
		return Event{}, "repository"
	}
	number := p.GetNumber()
	if number == 0 {
		number = p.PullRequest.GetNumber()
	}
	if number == 0 {
		return Event{}, "pull request number"
	}
	action := p.GetAction()
	return Event{
		Action:         action,
		Ignored:        !handledPullRequestActions[action],
		Repo:           repo(p.Repo),
		InstallationID: p.GetInstallation().GetID(),
		Sender:         actor(p.Sender),
		Number:         number,
		Labels:         labels(p.PullRequest.Labels),
		PullRequest:    pullRequest(p.PullRequest),
	}, ""
}

func fromIssueComment(p *github.IssueCommentEvent) (Event, string) {
	if p.Issue == nil {
		return Event{}, "issue"
	}
	if p.Comment == nil {
		return Event{}, "comment"
	}
	if p.Repo == nil {
		return Event{}, "repository"
	}
	onPR := p.Issue.IsPullRequest()
	action := p.GetAction()
	handled := action == "created" || action == "edited" || action == "deleted"
	return Event{
		Action:         action,
		Ignored:        !onPR || !handled,
		Repo:           repo(p.Repo),
		InstallationID: p.GetInstallation().GetID(),
		Sender:         actor(p.Sender),
		Number:         p.Issue.GetNumber(),
		Labels:         labels(p.Issue.Labels),
		Comment: &Comment{
			ID:            p.Comment.GetID(),
			Body:          p.Comment.GetBody(),
			Author:        actor(p.Comment.User),
			Association:   p.Comment.GetAuthorAssociation(),
			OnPullRequest: onPR,
		},
	}, ""
}

func fromReview(p *github.PullRequestReviewEvent) (Event, string) {
	if p.Review == nil {
		return Event{}, "review"
	}
	if p.PullRequest == nil {
		return Event{}, "pull_request"
	}
	if p.Repo == nil {
		return Event{}, "repository"
	}
	action := p.GetAction()
	return Event{
		Action:         action,
		Ignored:        action != "submitted" && action != "dismissed",
		Repo:           repo(p.Repo),
		InstallationID: p.GetInstallation().GetID(),
		Sender:         actor(p.Sender),
		Number:         p.PullRequest.GetNumber(),
		Labels:         labels(p.PullRequest.Labels),
		PullRequest:    pullRequest(p.PullRequest),
		Review: &Review{
			ID: p.Review.GetID(),
			// Webhooks spell states in lower case, the REST API in upper
			// case; settle on one so callers compare without surprises.
			State:       strings.ToLower(p.Review.GetState()),
			Reviewer:    actor(p.Review.User),
			Association: p.Review.GetAuthorAssociation(),
			CommitID:    p.Review.GetCommitID(),
		},
	}, ""
}

func fromPush(p *github.PushEvent) (Event, string) {
	if p.GetRef() == "" {
		return Event{}, "ref"
	}
	if p.Repo == nil {
		return Event{}, "repository"
	}
	return Event{
		Repo: Repo{
			FullName:      p.Repo.GetFullName(),
			CloneURL:      p.Repo.GetCloneURL(),
			DefaultBranch: p.Repo.GetDefaultBranch(),
		},
		InstallationID: p.GetInstallation().GetID(),
		Sender:         actor(p.Sender),
		Push: &Push{
			Ref:     p.GetRef(),
			Before:  p.GetBefore(),
			After:   p.GetAfter(),
			Created: p.GetCreated(),
			Deleted: p.GetDeleted(),
			Forced:  p.GetForced(),
		},
	}, ""
}

func fromPing(p *github.PingEvent) (Event, string) {
	return Event{
		Repo:           repo(p.Repo),
		InstallationID: p.GetInstallation().GetID(),
		Sender:         actor(p.Sender),
	}, ""
}

func fromInstallation(p *github.InstallationEvent) (Event, string) {
	if p.Installation == nil {
		return Event{}, "installation"
	}
	var repos []string
	for _, r := range p.Repositories {
		repos = append(repos, r.GetFullName())
	}
	return Event{
		Action:         p.GetAction(),
		InstallationID: p.Installation.GetID(),
		Sender:         actor(p.Sender),
		Installation: &Installation{
			Account:      actor(p.Installation.Account),
			Repositories: repos,
		},
	}, ""
}

func repo(r *github.Repository) Repo {
	return Repo{FullName: r.GetFullName(), CloneURL: r.GetCloneURL(), DefaultBranch: r.GetDefaultBranch()}
}

func actor(u *github.User) Actor {
	return Actor{Login: u.GetLogin(), Type: u.GetType()}
}

func labels(ls []*github.Label) []string {
	var names []string
	for _, l := range ls {
		names = append(names, l.GetName())
	}
	return names
}

func pullRequest(pr *github.PullRequest) *PullRequest {
	return &PullRequest{
		State:    pr.GetState(),
		Merged:   pr.GetMerged(),
		Draft:    pr.GetDraft(),
		Author:   actor(pr.User),
		HeadSHA:  pr.GetHead().GetSHA(),
		HeadRef:  pr.GetHead().GetRef(),
		HeadRepo: pr.GetHead().GetRepo().GetFullName(),
		BaseSHA:  pr.GetBase().GetSHA(),
		BaseRef:  pr.GetBase().GetRef(),
		BaseRepo: pr.GetBase().GetRepo().GetFullName(),
	}
}
