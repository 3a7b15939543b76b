package webhook

import "encoding/json"

// The wire types are the parts of GitHub's webhook payloads csocbot reads,
// with GitHub's JSON names. Everything else in a payload is skipped.

type wireCommon struct {
	Action       string            `json:"action"`
	Repository   *wireRepo         `json:"repository"`
	Installation *wireInstallation `json:"installation"`
	Sender       *wireUser         `json:"sender"`
}

type wirePullRequestEvent struct {
	wireCommon
	Number      int     `json:"number"`
	PullRequest *wirePR `json:"pull_request"`
}

type wireIssueCommentEvent struct {
	wireCommon
	Issue *struct {
		Number int         `json:"number"`
		Labels []wireLabel `json:"labels"`
		// PullRequest is present, with links, when the issue is a pull
		// request.
		PullRequest *json.RawMessage `json:"pull_request"`
	} `json:"issue"`
	Comment *struct {
		ID                int64     `json:"id"`
		Body              string    `json:"body"`
		User              *wireUser `json:"user"`
		AuthorAssociation string    `json:"author_association"`
	} `json:"comment"`
}

type wireReviewEvent struct {
	wireCommon
	Review *struct {
		ID                int64     `json:"id"`
		State             string    `json:"state"`
		User              *wireUser `json:"user"`
		AuthorAssociation string    `json:"author_association"`
		CommitID          string    `json:"commit_id"`
	} `json:"review"`
	PullRequest *wirePR `json:"pull_request"`
}

type wirePushEvent struct {
	wireCommon
	Ref     string `json:"ref"`
	Before  string `json:"before"`
	After   string `json:"after"`
	Created bool   `json:"created"`
	Deleted bool   `json:"deleted"`
	Forced  bool   `json:"forced"`
}

type wireInstallationEvent struct {
	wireCommon
	Repositories []struct {
		FullName string `json:"full_name"`
	} `json:"repositories"`
}

type wireUser struct {
	Login string `json:"login"`
	Type  string `json:"type"`
}

func (u *wireUser) actor() Actor {
	if u == nil {
		return Actor{}
	}
	return Actor{Login: u.Login, Type: u.Type}
}

type wireRepo struct {
	FullName      string `json:"full_name"`
	DefaultBranch string `json:"default_branch"`
}

func (r *wireRepo) repo() Repo {
	return Repo{FullName: r.FullName, DefaultBranch: r.DefaultBranch}
}

type wireInstallation struct {
	ID      int64     `json:"id"`
	Account *wireUser `json:"account"`
}

func (i *wireInstallation) id() int64 {
	if i == nil {
		return 0
	}
	return i.ID
}

type wireLabel struct {
	Name string `json:"name"`
}

type wireRef struct {
	SHA  string    `json:"sha"`
	Ref  string    `json:"ref"`
	Repo *wireRepo `json:"repo"`
}

func (r wireRef) repoName() string {
	if r.Repo == nil {
		return ""
	}
	return r.Repo.FullName
}

type wirePR struct {
	Number int         `json:"number"`
	State  string      `json:"state"`
	Merged bool        `json:"merged"`
	Draft  bool        `json:"draft"`
	User   *wireUser   `json:"user"`
	Head   wireRef     `json:"head"`
	Base   wireRef     `json:"base"`
	Labels []wireLabel `json:"labels"`
}

func (pr *wirePR) pullRequest() *PullRequest {
	return &PullRequest{
		State:    pr.State,
		Merged:   pr.Merged,
		Draft:    pr.Draft,
		Author:   pr.User.actor(),
		HeadSHA:  pr.Head.SHA,
		HeadRef:  pr.Head.Ref,
		HeadRepo: pr.Head.repoName(),
		BaseSHA:  pr.Base.SHA,
		BaseRef:  pr.Base.Ref,
		BaseRepo: pr.Base.repoName(),
	}
}
