package server

import (
	"context"
	"fmt"

	"github.com/csocbot/csocbot/notify/vcs"
	"github.com/csocbot/csocbot/server/webhook"
	"github.com/csocbot/csocbot/server/workflow"
	"github.com/csocbot/csocbot/store"
)

// afterMergeJob is the job of a merged pull request of a repository that
// applies after merge: an apply of its saved plans by whoever merged it,
// which then releases the pull request as closing does. Closing must not
// come first: it would delete the plan files the apply reads.
func (s *Server) afterMergeJob(repo string, ev webhook.Event) (store.NewJob, bool, string, error) {
	pr := ev.PullRequest
	job, err := newJob(store.KindApply, prKey(repo, ev.Number), applyJob{
		Repo: repo, PR: ev.Number, HeadSHA: pr.HeadSHA, BaseRef: pr.BaseRef, Actor: ev.Sender.Login, AfterMerge: true,
	})
	// Queued plans of the pull request are superseded: nobody will read
	// them.
	job.Supersedes = store.KindPlan
	return job, err == nil, "apply after merge queued", err
}

// afterApply does what follows an apply: a merged pull request's is
// released, and a repository with automerge merges a pull request whose
// every unit is now applied.
func (s *Server) afterApply(ctx context.Context, a applyJob, out workflow.ApplyOutcome) error {
	if a.AfterMerge {
		return s.pullRequestClosed(ctx, closedJob{Repo: a.Repo, PR: a.PR})
	}
	if rc, _ := s.cfg.Repository(a.Repo); !rc.Automerge || !out.Complete {
		return nil
	}
	s.automerge(ctx, a)
	return nil
}

// automerge merges the pull request at the head that was applied, and
// says so. A merge GitHub refuses (the head moved, branch protection, a
// conflict) is told on the pull request and audited, not retried: the
// units are applied either way, and a person can merge.
func (s *Server) automerge(ctx context.Context, a applyJob) {
	repo, err := vcs.ParseRepo(a.Repo)
	if err != nil {
		s.log.Error("automerge: bad repository name", "repo", a.Repo, "error", err)
		return
	}
	entry := store.AuditEntry{Actor: "csocbot", Action: "merge", Repo: a.Repo, PR: a.PR, HeadSHA: a.HeadSHA, Outcome: "ok",
		Detail: "automerge after @" + a.Actor + "'s apply"}
	var msg string
	sha, err := s.gh.MergePullRequest(ctx, repo, a.PR, a.HeadSHA)
	if err != nil {
		entry.Outcome, entry.Detail = "failed", entry.Detail+": "+err.Error()
		msg = fmt.Sprintf("@%s: every unit of this pull request is applied at `%s`, but csocbot could not merge it (automerge):\n\n```\n%v\n```\n\nMerge it yourself once GitHub allows it.", a.Actor, short(a.HeadSHA), err)
	} else {
		entry.Detail += ": merge commit " + sha
		msg = fmt.Sprintf("@%s: every unit of this pull request is applied at `%s`, so csocbot merged it (automerge) as `%s`.", a.Actor, short(a.HeadSHA), short(sha))
	}
	s.audit(ctx, entry)
	if err := s.reply(ctx, repo, a.PR, msg); err != nil {
		s.log.Warn("could not reply about an automerge", "repo", a.Repo, "pr", a.PR, "error", err)
	}
}
