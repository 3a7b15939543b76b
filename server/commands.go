package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/csocbot/csocbot/notify/github"
	"github.com/csocbot/csocbot/server/command"
	"github.com/csocbot/csocbot/store"
)

// runCommentCommand answers the commands in a pull request comment: it
// acknowledges the comment, queues the plans it asks for, and replies in
// one comment to everything else.
func (s *Server) runCommentCommand(ctx context.Context, job store.Job) error {
	var c commentJob
	if err := json.Unmarshal(job.Payload, &c); err != nil {
		return fmt.Errorf("decode comment job: %w", err)
	}
	repo, err := github.ParseRepo(c.Repo)
	if err != nil {
		return err
	}
	cmds, errs := command.Parse(s.cfg.CommandPrefix, c.Body)
	if len(cmds) == 0 && len(errs) == 0 {
		return nil
	}
	if err := s.gh.AddReaction(ctx, repo, c.CommentID, github.ReactionEyes); err != nil {
		s.log.Warn("could not react to a command comment", "comment", c.CommentID, "error", err)
	}
	var replies []string
	for _, e := range errs {
		r := fmt.Sprintf("Line %d: %s", e.Line, e.Error())
		if e.Usage != "" {
			r += "\n\n" + e.Usage
		}
		replies = append(replies, r)
	}
	for _, cmd := range cmds {
		r, err := s.runCommand(ctx, c, cmd)
		if err != nil {
			return err
		}
		if r != "" {
			replies = append(replies, r)
		}
	}
	if len(replies) == 0 {
		return nil
	}
	return s.reply(ctx, repo, c.PR, fmt.Sprintf("@%s\n\n%s", c.Author, strings.Join(replies, "\n\n---\n\n")))
}

// runCommand carries out one command and returns the reply it needs, if
// any.
func (s *Server) runCommand(ctx context.Context, c commentJob, cmd command.Command) (string, error) {
	switch cmd.Name {
	case command.Plan:
		repo, err := github.ParseRepo(c.Repo)
		if err != nil {
			return "", err
		}
		pr, err := s.gh.PullRequest(ctx, repo, c.PR)
		if err != nil {
			return "", fmt.Errorf("read pull request %s#%d: %w", c.Repo, c.PR, err)
		}
		return "", s.queuePlan(ctx, planJob{
			Repo: c.Repo, CloneURL: c.CloneURL, PR: c.PR, HeadSHA: pr.Head.SHA, BaseRef: pr.Base.Ref,
			Units: cmd.Units, Dirs: cmd.Dirs, Trigger: c.Author,
		})
	case command.Apply:
		return "`apply` is not enabled on this server yet: it arrives together with approvals and policy checks. Nothing was applied.", nil
	case command.Unlock:
		return "csocbot does not lock units yet, so there is nothing to unlock.", nil
	case command.ApprovePolicies:
		return s.approvePolicies(ctx, c, cmd.PolicySets)
	case command.Help:
		return command.Usage(s.cfg.CommandPrefix), nil
	}
	return "", fmt.Errorf("no handler for command %q", cmd.Name)
}

// queuePlan queues a plan of a pull request, superseding (and cancelling)
// its older plans.
func (s *Server) queuePlan(ctx context.Context, p planJob) error {
	job, err := newJob(store.KindPlan, prKey(p.Repo, p.PR), p)
	if err != nil {
		return err
	}
	queued, err := s.store.Enqueue(ctx, job)
	if err != nil {
		return err
	}
	s.cancelSuperseded(queued, store.KindPlan)
	s.wake()
	return nil
}

// runRefresh fetches a pushed branch, so the next plan starts warm.
func (s *Server) runRefresh(ctx context.Context, job store.Job) error {
	var r refreshJob
	if err := json.Unmarshal(job.Payload, &r); err != nil {
		return fmt.Errorf("decode refresh job: %w", err)
	}
	_, err := s.repos.Fetch(ctx, r.Repo, r.CloneURL, strings.TrimPrefix(r.Branch, "refs/heads/"), nil)
	return err
}

// reportInterrupted tells a pull request that a job stopped with the
// server, and whether it runs again by itself.
func (s *Server) reportInterrupted(ctx context.Context, job store.Job, again bool) {
	repoName, prText, ok := strings.Cut(job.Key, "#")
	var pr int
	if _, err := fmt.Sscanf(prText, "%d", &pr); !ok || err != nil {
		s.log.Warn("interrupted job without a pull request", "job", job.ID, "key", job.Key)
		return
	}
	repo, err := github.ParseRepo(repoName)
	if err != nil {
		return
	}
	msg := fmt.Sprintf("csocbot stopped while it was running a `%s` job for this pull request (job %d), and will not run it again by itself. Comment `%s plan` to plan again; an apply is never repeated automatically, so check the plan before applying.",
		job.Kind, job.ID, s.cfg.CommandPrefix)
	if again {
		msg = fmt.Sprintf("csocbot stopped while it was running a `%s` job for this pull request (job %d); it runs it again now.", job.Kind, job.ID)
	}
	if err := s.reply(ctx, repo, pr, msg); err != nil {
		s.log.Error("could not report an interrupted job", "job", job.ID, "error", err)
	}
}
