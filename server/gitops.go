package server

import (
	"context"
	"fmt"

	"github.com/csocbot/csocbot/notify/vcs"
	"github.com/csocbot/csocbot/server/workflow"
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
	repo, err := vcs.ParseRepo(c.Repo)
	if err != nil {
		return err
	}
	return s.reply(ctx, repo, c.PR, md)
}
