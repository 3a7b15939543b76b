package server

import (
	"encoding/json"
	"fmt"

	"github.com/csocbot/csocbot/server/command"
	"github.com/csocbot/csocbot/server/webhook"
	"github.com/csocbot/csocbot/store"
)

// planJob is the payload of a plan job: which pull request head to plan,
// and which units when a comment asked for some.
type planJob struct {
	Repo    string   `json:"repo"`
	PR      int      `json:"pr"`
	HeadSHA string   `json:"head_sha"`
	BaseRef string   `json:"base_ref"`
	Units   []string `json:"units,omitempty"`
	Dirs    []string `json:"dirs,omitempty"`
	// Trigger says what asked for the plan, for the comment: "autoplan"
	// or the commenter's login.
	Trigger string `json:"trigger"`
}

// commentJob is the payload of a comment_command job.
type commentJob struct {
	Repo      string `json:"repo"`
	PR        int    `json:"pr"`
	CommentID int64  `json:"comment_id"`
	Author    string `json:"author"`
	Body      string `json:"body"`
}

// noticeJob is the payload of a notice job: a comment to post.
type noticeJob struct {
	Repo string `json:"repo"`
	PR   int    `json:"pr"`
	Body string `json:"body"`
}

// closedJob is the payload of a pull_request_closed job.
type closedJob struct {
	Repo string `json:"repo"`
	PR   int    `json:"pr"`
	// Merged and HeadSHA say whether and at which head the pull request
	// merged, for the note on what Argo CD will sync.
	Merged  bool   `json:"merged,omitempty"`
	HeadSHA string `json:"head_sha,omitempty"`
}

// refreshJob is the payload of a refresh_repo job.
type refreshJob struct {
	Repo   string `json:"repo"`
	Branch string `json:"branch"`
}

// prKey groups the jobs of one pull request, so a newer plan supersedes
// an older one, and the store keeps the pull request's runs while one is
// active.
func prKey(repo string, pr int) string { return store.PullRequestKey(repo, pr) }

// newJob encodes a job. A plan job supersedes the pull request's older
// plans: they would plan a stale head.
func newJob(kind store.Kind, key string, payload any) (store.NewJob, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return store.NewJob{}, fmt.Errorf("encode %s job: %w", kind, err)
	}
	job := store.NewJob{Kind: kind, Key: key, Payload: b}
	if kind == store.KindPlan {
		job.Supersedes = store.KindPlan
	}
	return job, nil
}

// jobFor decides what an event asks csocbot to do. It returns ok false
// for events that need no work; why says why, for the response and logs.
func (s *Server) jobFor(ev webhook.Event) (job store.NewJob, ok bool, why string, err error) {
	if ev.Kind == webhook.KindPing || ev.Kind == webhook.KindInstallation {
		return job, false, "acknowledged", nil
	}
	if ev.Ignored {
		return job, false, fmt.Sprintf("%s %s needs no work", ev.Kind, ev.Action), nil
	}
	repo, known := s.cfg.Repository(ev.Repo.FullName)
	if !known {
		return job, false, fmt.Sprintf("repository %s is not in the configuration", ev.Repo.FullName), nil
	}
	switch ev.Kind {
	case webhook.KindPullRequest:
		pr := ev.PullRequest
		switch ev.Action {
		case "opened", "reopened", "synchronize", "ready_for_review":
		case "closed":
			if pr.Merged && repo.ApplyAfterMerge {
				return s.afterMergeJob(repo.Name, ev)
			}
			// Queued plans of the pull request are superseded: nobody
			// will read them.
			job, err = newJob(store.KindPullRequestClosed, prKey(repo.Name, ev.Number), closedJob{Repo: repo.Name, PR: ev.Number, Merged: pr.Merged, HeadSHA: pr.HeadSHA})
			job.Supersedes = store.KindPlan
			return job, err == nil, "clean-up queued", err
		default:
			return job, false, "pull request " + ev.Action + " needs no plan", nil
		}
		switch {
		case !repo.Autoplan:
			return job, false, "autoplan is off for " + repo.Name, nil
		case pr.Draft && !repo.DraftAutoplan:
			return job, false, "draft pull requests are planned when ready for review", nil
		case pr.FromFork() && !repo.AllowForkAutoplan:
			// A fork's code would run with the plan credentials, so it
			// is not planned; the pull request is told why, once.
			if ev.Action != "opened" && ev.Action != "reopened" {
				return job, false, "pull requests from forks are not planned automatically", nil
			}
			job, err = newJob(store.KindNotice, prKey(repo.Name, ev.Number), noticeJob{Repo: repo.Name, PR: ev.Number, Body: forkNotice(s.cfg.CommandPrefix)})
			return job, err == nil, "pull requests from forks are not planned automatically; notice queued", err
		}
		job, err = newJob(store.KindPlan, prKey(repo.Name, ev.Number), planJob{
			Repo: repo.Name, PR: ev.Number, HeadSHA: pr.HeadSHA, BaseRef: pr.BaseRef, Trigger: "autoplan",
		})
		return job, err == nil, "plan queued", err
	case webhook.KindIssueComment:
		c := ev.Comment
		switch {
		case ev.Action != "created":
			return job, false, "edited and deleted comments are not commands", nil
		case !c.OnPullRequest:
			return job, false, "comment is not on a pull request", nil
		case c.Author.IsBot() || s.isSelf(c.Author.Login):
			return job, false, "comments from bots are not commands", nil
		}
		if cmds, errs := command.Parse(s.cfg.CommandPrefix, c.Body); len(cmds) == 0 && len(errs) == 0 {
			return job, false, "comment has no command", nil
		}
		job, err = newJob(store.KindCommentCommand, prKey(repo.Name, ev.Number), commentJob{
			Repo: repo.Name, PR: ev.Number, CommentID: c.ID, Author: c.Author.Login, Body: c.Body,
		})
		return job, err == nil, "comment queued", err
	case webhook.KindPush:
		p := ev.Push
		if p.Deleted {
			return job, false, "deleted branches need no refresh", nil
		}
		job, err = newJob(store.KindRefreshRepo, repo.Name, refreshJob{Repo: repo.Name, Branch: p.Ref})
		return job, err == nil, "refresh queued", err
	}
	return job, false, fmt.Sprintf("%s events need no work yet", ev.Kind), nil
}

func forkNotice(prefix string) string {
	return "csocbot does not plan pull requests from forks, automatically or on a `" + prefix + " plan` comment: planning runs the pull request's code with this repository's cloud credentials. " +
		"An operator can set `allow_fork_autoplan: true` for this repository in csocbot's configuration; or push the reviewed change to a branch of this repository."
}
