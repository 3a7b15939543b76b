package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/store"
)

// workPrefix starts the engine keys of a pull request's plans; the head
// commit ends them. Every plan of the pull request is found by it.
func workPrefix(repo string, pr int) string { return fmt.Sprintf("%s/pr-%d/", repo, pr) }

// checkoutsDir holds the terragrunt engine's checkouts, one per revision:
// <owner>/<repo>/<sha>.
func (s *Server) checkoutsDir() string { return filepath.Join(s.cfg.DataDir, "checkouts") }

// touch marks a checkout used now: cleanDisk removes checkouts by age, and
// one a plan reuses must not go while the plan runs.
func touch(dir string) error {
	now := time.Now()
	return os.Chtimes(dir, now, now)
}

// pullRequestClosed removes a closed or merged pull request's plan working
// directories, which nobody will look at or apply any more, and forgets
// its refs in the mirror.
func (s *Server) pullRequestClosed(ctx context.Context, c closedJob) error {
	if rc, _ := s.cfg.Repository(c.Repo); rc.Kind == config.KindGitOps && c.Merged {
		if err := s.announceSync(ctx, c); err != nil {
			return err
		}
	}
	s.notifyClosed(ctx, c)
	if err := s.releasePullRequest(ctx, c); err != nil {
		return fmt.Errorf("release the locks and plan files of %s#%d: %w", c.Repo, c.PR, err)
	}
	if err := s.engine.RemoveWorkDirs(workPrefix(c.Repo, c.PR)); err != nil {
		return fmt.Errorf("remove the working directories of %s#%d: %w", c.Repo, c.PR, err)
	}
	return s.repos.ForgetPullRequest(ctx, c.Repo, c.PR)
}

// cleanDisk keeps the disk from filling: at start and then every
// cleanup.interval until ctx ends, it removes the working directories and
// checkouts not used for cleanup.max_age, collects the mirrors' garbage
// and removes the store's records older than cleanup.keep_records.
func (s *Server) cleanDisk(ctx context.Context) {
	tick := time.NewTicker(s.cfg.Cleanup.Interval)
	defer tick.Stop()
	for {
		s.cleanOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (s *Server) cleanOnce(ctx context.Context) {
	start := time.Now()
	maxAge := s.cfg.Cleanup.MaxAge
	if err := s.engine.CleanWorkDirs(maxAge); err != nil {
		s.log.Warn("could not remove old working directories", "error", err)
	}
	if err := removeOlder(s.checkoutsDir(), 3, start.Add(-maxAge)); err != nil {
		s.log.Warn("could not remove old checkouts", "error", err)
	}
	if err := s.repos.Maintain(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("could not collect the garbage of the repository mirrors", "error", err)
	}
	// The store is every replica's: one prunes it, once per interval.
	if s.cfg.Store.Shared() && !s.lead(ctx, "prune", s.cfg.Cleanup.Interval) {
		s.log.Debug("cleaned the disk; another replica prunes the store", "duration", time.Since(start))
		return
	}
	pruned, err := s.store.Prune(ctx, start.Add(-s.cfg.Cleanup.KeepRecords))
	switch {
	case err != nil && ctx.Err() == nil:
		s.log.Warn("could not remove old records from the store", "error", err)
	case pruned != (store.PruneCounts{}):
		s.log.Info("removed old records from the store", "deliveries", pruned.Deliveries, "jobs", pruned.Jobs, "runs", pruned.Runs,
			"comments", pruned.Comments, "policy_approvals", pruned.PolicyApprovals, "plan_files", pruned.PlanFiles, "slack_deliveries", pruned.SlackDeliveries)
	}
	s.log.Debug("cleaned the disk", "duration", time.Since(start))
}

// removeOlder removes what lies depth levels below root and was last
// modified before cutoff.
func removeOlder(root string, depth int, cutoff time.Time) error {
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		p := filepath.Join(root, e.Name())
		if depth > 1 {
			if e.IsDir() {
				errs = append(errs, removeOlder(p, depth-1, cutoff))
			}
			continue
		}
		if info, err := e.Info(); err == nil && info.ModTime().Before(cutoff) {
			errs = append(errs, os.RemoveAll(p))
		}
	}
	return errors.Join(errs...)
}
