package server

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/csocbot/csocbot/notify/slack"
	"github.com/csocbot/csocbot/notify/vcs"
	"github.com/csocbot/csocbot/server/workflow"
	"github.com/csocbot/csocbot/store"
)

// announceSync tells a merged gitops pull request which Argo CD
// Applications its merge deploys, from its last check at the merged head.
func (s *Server) announceSync(ctx context.Context, c closedJob) error {
	runs, err := s.store.Runs(ctx, c.Repo, c.PR, c.HeadSHA)
	if err != nil {
		return fmt.Errorf("read the checks of %s#%d: %w", c.Repo, c.PR, err)
	}
	md, ok := workflow.SyncAnnouncement(runs, c.HeadSHA)
	if !ok {
		return nil
	}
	s.notifySync(ctx, c, runs)
	repo, err := vcs.ParseRepo(c.Repo)
	if err != nil {
		return err
	}
	return s.reply(ctx, repo, c.PR, md)
}

// notifySync tells chat, per environment, which applications Argo CD
// syncs now that the pull request merged.
func (s *Server) notifySync(ctx context.Context, c closedJob, runs []store.Run) {
	if s.slack == nil {
		return
	}
	byEnv := map[string][]slack.Unit{}
	for _, r := range runs {
		var a workflow.AppSummary
		if r.State == store.RunNoChanges || json.Unmarshal(r.Summary, &a) != nil || a.Application == "" {
			continue
		}
		byEnv[a.Environment] = append(byEnv[a.Environment], slack.Unit{Path: a.Application, Environment: a.Environment, Result: "syncs", Update: a.Changes})
	}
	var events []slack.Event
	for env, units := range byEnv {
		e := s.newEvent(workflow.Change{Repo: c.Repo, PR: c.PR, HeadSHA: c.HeadSHA}, slack.Synced, env, units)
		e.State = slack.StateMerged
		e.Summary = fmt.Sprintf("Merged: Argo CD syncs %d %s", len(units), plural(len(units), "application"))
		events = append(events, e)
	}
	s.notify(ctx, events)
}
