package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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

// decode unmarshals body into the event's wire type and maps it with
// build, which reports the name of a required field that is absent.
//
// The wire types hold only the fields csocbot reads: decoding GitHub's
// payloads (tens of kilobytes) into go-github's complete event types was
// most of the cost of accepting a webhook.
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

func fromPullRequest(p *wirePullRequestEvent) (Event, string) {
	if p.PullRequest == nil {
		return Event{}, "pull_request"
	}
	if p.Repository == nil {
		return Event{}, "repository"
	}
	number := p.Number
	if number == 0 {
		number = p.PullRequest.Number
	}
	if number == 0 {
		return Event{}, "pull request number"
	}
	return Event{
		Action:         p.Action,
		Ignored:        !handledPullRequestActions[p.Action],
		Repo:           p.Repository.repo(),
		InstallationID: p.Installation.id(),
		Sender:         p.Sender.actor(),
		Number:         number,
		Labels:         labels(p.PullRequest.Labels),
		PullRequest:    p.PullRequest.pullRequest(),
	}, ""
}

func fromIssueComment(p *wireIssueCommentEvent) (Event, string) {
	if p.Issue == nil {
		return Event{}, "issue"
	}
	if p.Comment == nil {
		return Event{}, "comment"
	}
	if p.Repository == nil {
		return Event{}, "repository"
	}
	onPR := p.Issue.PullRequest != nil
	handled := p.Action == "created" || p.Action == "edited" || p.Action == "deleted"
	return Event{
		Action:         p.Action,
		Ignored:        !onPR || !handled,
		Repo:           p.Repository.repo(),
		InstallationID: p.Installation.id(),
		Sender:         p.Sender.actor(),
		Number:         p.Issue.Number,
		Labels:         labels(p.Issue.Labels),
		Comment: &Comment{
			ID:            p.Comment.ID,
			Body:          p.Comment.Body,
			Author:        p.Comment.User.actor(),
			Association:   p.Comment.AuthorAssociation,
			OnPullRequest: onPR,
		},
	}, ""
}

func fromReview(p *wireReviewEvent) (Event, string) {
	if p.Review == nil {
		return Event{}, "review"
	}
	if p.PullRequest == nil {
		return Event{}, "pull_request"
	}
	if p.Repository == nil {
		return Event{}, "repository"
	}
	return Event{
		Action:         p.Action,
		Ignored:        p.Action != "submitted" && p.Action != "dismissed",
		Repo:           p.Repository.repo(),
		InstallationID: p.Installation.id(),
		Sender:         p.Sender.actor(),
		Number:         p.PullRequest.Number,
		Labels:         labels(p.PullRequest.Labels),
		PullRequest:    p.PullRequest.pullRequest(),
		Review: &Review{
			ID: p.Review.ID,
			// Webhooks spell states in lower case, the REST API in upper
			// case; settle on one so callers compare without surprises.
			State:       strings.ToLower(p.Review.State),
			Reviewer:    p.Review.User.actor(),
			Association: p.Review.AuthorAssociation,
			CommitID:    p.Review.CommitID,
		},
	}, ""
}

func fromPush(p *wirePushEvent) (Event, string) {
	if p.Ref == "" {
		return Event{}, "ref"
	}
	if p.Repository == nil {
		return Event{}, "repository"
	}
	return Event{
		Repo:           p.Repository.repo(),
		InstallationID: p.Installation.id(),
		Sender:         p.Sender.actor(),
		Push: &Push{
			Ref:     p.Ref,
			Before:  p.Before,
			After:   p.After,
			Created: p.Created,
			Deleted: p.Deleted,
			Forced:  p.Forced,
		},
	}, ""
}

func fromPing(p *wireCommon) (Event, string) {
	var r Repo
	if p.Repository != nil {
		r = p.Repository.repo()
	}
	return Event{
		Repo:           r,
		InstallationID: p.Installation.id(),
		Sender:         p.Sender.actor(),
	}, ""
}

func fromInstallation(p *wireInstallationEvent) (Event, string) {
	if p.Installation == nil {
		return Event{}, "installation"
	}
	var repos []string
	for _, r := range p.Repositories {
		repos = append(repos, r.FullName)
	}
	return Event{
		Action:         p.Action,
		InstallationID: p.Installation.ID,
		Sender:         p.Sender.actor(),
		Installation: &Installation{
			Account:      p.Installation.Account.actor(),
			Repositories: repos,
		},
	}, ""
}

func labels(ls []wireLabel) []string {
	var names []string
	for _, l := range ls {
		names = append(names, l.Name)
	}
	return names
}
