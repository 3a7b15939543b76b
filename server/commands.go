package server

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/csocbot/csocbot/config"
	"slices"
	"strings"

	"github.com/csocbot/csocbot/notify/vcs"
	"github.com/csocbot/csocbot/server/command"
	"github.com/csocbot/csocbot/store"
)

// runCommentCommand answers the commands in a pull request comment: it
// keeps the first few distinct ones, refuses those its author may not
// run, acknowledges the comment, queues one plan for all the plan lines,
// and replies in one comment to everything else.
func (s *Server) runCommentCommand(ctx context.Context, job store.Job) error {
	var c commentJob
	if err := json.Unmarshal(job.Payload, &c); err != nil {
		return fmt.Errorf("decode comment job: %w", err)
	}
	repo, err := vcs.ParseRepo(c.Repo)
	if err != nil {
		return err
	}
	cmds, errs := command.Parse(s.cfg.CommandPrefix, c.Body)
	cmds, errs, ignored := command.Limit(cmds, errs, s.cfg.MaxCommandsPerComment)
	cmds = command.Merge(cmds)
	if len(cmds) == 0 && len(errs) == 0 {
		return nil
	}
	gate := &commandGate{s: s, c: c, repo: repo}
	allowed, refusals, err := gate.sort(ctx, cmds)
	if err != nil {
		return err
	}
	var replies []string
	if help, err := gate.helpWith(ctx, errs); err != nil {
		return err
	} else if help != "" {
		replies = append(replies, help)
	}
	if len(allowed) > 0 {
		if err := s.gh.AddReaction(ctx, repo, c.CommentID, vcs.ReactionEyes); err != nil {
			s.log.Warn("could not react to a command comment", "comment", c.CommentID, "error", err)
		}
	}
	for _, cmd := range allowed {
		r, err := s.runCommand(ctx, c, gate, cmd)
		if err != nil {
			return err
		}
		if r != "" {
			replies = append(replies, r)
		}
	}
	if r := s.refusalReply(c, refusals); r != "" {
		replies = append(replies, r)
	}
	if ignored > 0 && (len(replies) > 0 || len(allowed) > 0) {
		replies = append(replies, fmt.Sprintf("csocbot runs at most %d commands per comment and ignored the other %d.", s.cfg.MaxCommandsPerComment, ignored))
	}
	if len(replies) == 0 {
		return nil
	}
	return s.reply(ctx, repo, c.PR, fmt.Sprintf("@%s: %s", c.Author, strings.Join(replies, "\n\n---\n\n")))
}

// helpWith explains the lines of a comment that are not commands, when
// its author may have help; "" when there are none or they may not.
func (g *commandGate) helpWith(ctx context.Context, errs []*command.Error) (string, error) {
	if len(errs) == 0 {
		return "", nil
	}
	why, err := g.refusal(ctx, command.Help)
	if err != nil || why != "" {
		return "", err
	}
	return errorReply(errs), nil
}

// refusalReply is the reply to refused commands, "" when there are none
// or their author had one within refusalTTL on this pull request.
func (s *Server) refusalReply(c commentJob, refusals []string) string {
	if len(refusals) == 0 {
		return ""
	}
	if !s.firstRefusal(c) {
		s.log.Info("refused commands without a reply: the commenter was answered within the hour", "repo", c.Repo, "pr", c.PR, "author", c.Author)
		return ""
	}
	return strings.Join(refusals, "\n\n")
}

// errorReply explains the lines of a comment that are not commands, with
// each usage they call for once.
func errorReply(errs []*command.Error) string {
	var lines, usages []string
	for _, e := range errs {
		lines = append(lines, fmt.Sprintf("Line %d: %v", e.Line, e.Err))
		if e.Usage != "" && !slices.Contains(usages, e.Usage) {
			usages = append(usages, e.Usage)
		}
	}
	return strings.Join(append(lines, usages...), "\n\n")
}

// runCommand carries out one command and returns the reply it needs, if
// any.
func (s *Server) runCommand(ctx context.Context, c commentJob, gate *commandGate, cmd command.Command) (string, error) {
	switch cmd.Name {
	case command.Plan:
		pr, err := gate.pullRequest(ctx)
		if err != nil {
			return "", err
		}
		return "", s.queuePlan(ctx, planJob{
			Repo: c.Repo, PR: c.PR, HeadSHA: pr.Head.SHA, BaseRef: pr.Base.Ref,
			Units: cmd.Units, Dirs: cmd.Dirs, Trigger: c.Author,
		})
	case command.Apply:
		rc, _ := s.cfg.Repository(c.Repo)
		if rc.Kind == config.KindGitOps {
			return "This is a gitops repository: Argo CD deploys what merges, so there is nothing for csocbot to apply. Check the `csocbot/values` status and the values comment, get the reviews branch protection asks for, and merge.", nil
		}
		if rc.ApplyAfterMerge {
			return "This repository applies after merge: csocbot applies the reviewed plans when the pull request is merged, so there is no `apply` command here. Plan, get the reviews branch protection asks for, and merge.", nil
		}
		pr, err := gate.pullRequest(ctx)
		if err != nil {
			return "", err
		}
		return "", s.queueApply(ctx, applyJob{
			Repo: c.Repo, PR: c.PR, HeadSHA: pr.Head.SHA, BaseRef: pr.Base.Ref,
			Units: cmd.Units, Dirs: cmd.Dirs, Actor: c.Author,
		})
	case command.Unlock:
		return s.unlock(ctx, c, cmd.Units)
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
	_, err := s.repos.Fetch(ctx, r.Repo, s.cfg.GitHub.CloneURL(r.Repo), strings.TrimPrefix(r.Branch, "refs/heads/"), nil)
	return err
}
