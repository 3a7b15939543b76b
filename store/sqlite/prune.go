package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/csocbot/csocbot/store"
)

// pruneBatch is how many rows, or pull requests, one transaction of Prune
// deletes: webhook deliveries waiting for the write lock get it between
// two, however much there is to prune.
const pruneBatch = 500

// Prune deletes in batches, each in its own transaction, so a store that
// has never been pruned does not hold up webhook intake while it catches
// up. SQLite reuses the pages it frees; the file does not shrink.
func (s *Store) Prune(ctx context.Context, olderThan time.Time) (store.PruneCounts, error) {
	var n store.PruneCounts
	before := formatTime(olderThan)
	var err error
	n.Deliveries, err = s.deleteInBatches(ctx, `
		DELETE FROM deliveries WHERE rowid IN (
			SELECT rowid FROM deliveries WHERE received_at < ? LIMIT ?)`, before)
	if err != nil {
		return n, fmt.Errorf("pruning the webhook deliveries received before %s: %w", before, err)
	}
	// A job a delivery still names stays, for the delivery's sake.
	n.Jobs, err = s.deleteInBatches(ctx, `
		DELETE FROM jobs WHERE id IN (
			SELECT id FROM jobs
			WHERE state IN ('done', 'failed', 'interrupted', 'superseded', 'cancelled') AND updated_at < ?
				AND id NOT IN (SELECT job_id FROM deliveries)
			LIMIT ?)`, before)
	if err != nil {
		return n, fmt.Errorf("pruning the jobs finished before %s: %w", before, err)
	}
	// A pending message stays however old it is: it is still to be sent.
	n.SlackDeliveries, err = s.deleteInBatches(ctx, `
		DELETE FROM slack_deliveries WHERE id IN (
			SELECT id FROM slack_deliveries WHERE delivered_at < ? LIMIT ?)`, before)
	if err != nil {
		return n, fmt.Errorf("pruning the Slack messages delivered before %s: %w", before, err)
	}
	prs, err := s.untouchedPullRequests(ctx, before)
	if err != nil {
		return n, fmt.Errorf("pruning pull requests untouched since %s: %w", before, err)
	}
	for batch := range slices.Chunk(prs, pruneBatch) {
		var got store.PruneCounts
		err := s.write(ctx, func(tx *sql.Tx) error {
			got = store.PruneCounts{}
			for _, pr := range batch {
				if err := prunePullRequest(ctx, tx, pr, before, &got); err != nil {
					return fmt.Errorf("%s#%d: %w", pr.repo, pr.number, err)
				}
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("pruning pull requests untouched since %s: %w", before, err)
		}
		n.Add(got)
	}
	return n, nil
}

// deleteInBatches runs del, a DELETE whose last two parameters are the
// time before which rows go and how many go at most, until it deletes
// fewer rows than a batch, and returns how many it deleted.
func (s *Store) deleteInBatches(ctx context.Context, del, before string) (int64, error) {
	var total int64
	for {
		var n int64
		err := s.write(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, del, before, pruneBatch)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < pruneBatch {
			return total, nil
		}
	}
}

// pullRequest names a pull request whose records Prune may delete.
type pullRequest struct {
	repo   string
	number int
}

// untouchedPullRequests lists the pull requests none of whose runs,
// comments, approvals and plan files was recorded or updated since before.
// Whether they still are, and have no active job, is checked again under
// the write lock.
func (s *Store) untouchedPullRequests(ctx context.Context, before string) ([]pullRequest, error) {
	return queryAll(ctx, s.db, func(row scanner) (pullRequest, error) {
		var pr pullRequest
		return pr, row.Scan(&pr.repo, &pr.number)
	}, `
		SELECT repo, pr FROM (
			SELECT repo, pr, updated_at AS at FROM runs
			UNION ALL SELECT repo, pr, created_at FROM comments
			UNION ALL SELECT repo, pr, created_at FROM policy_approvals
			UNION ALL SELECT repo, pr, created_at FROM plan_files)
		GROUP BY repo, pr
		HAVING max(at) < ?`, before)
}

// prunePullRequest deletes the runs, comments, approvals and plan files of
// pr, adding how many to n, unless it has a queued or running job or one of
// them was recorded or updated since before. Its locks stay.
func prunePullRequest(ctx context.Context, tx *sql.Tx, pr pullRequest, before string, n *store.PruneCounts) error {
	var busy bool
	err := tx.QueryRowContext(ctx, `
		SELECT EXISTS (SELECT 1 FROM jobs WHERE state IN ('queued', 'running') AND key = ?)
			OR EXISTS (SELECT 1 FROM runs WHERE repo = ? AND pr = ? AND updated_at >= ?)
			OR EXISTS (SELECT 1 FROM comments WHERE repo = ? AND pr = ? AND created_at >= ?)
			OR EXISTS (SELECT 1 FROM policy_approvals WHERE repo = ? AND pr = ? AND created_at >= ?)
			OR EXISTS (SELECT 1 FROM plan_files WHERE repo = ? AND pr = ? AND created_at >= ?)`,
		store.PullRequestKey(pr.repo, pr.number),
		pr.repo, pr.number, before,
		pr.repo, pr.number, before,
		pr.repo, pr.number, before,
		pr.repo, pr.number, before).Scan(&busy)
	if err != nil || busy {
		return err
	}
	for _, del := range []struct {
		table string
		count *int64
	}{
		{"runs", &n.Runs},
		{"comments", &n.Comments},
		{"policy_approvals", &n.PolicyApprovals},
		{"plan_files", &n.PlanFiles},
	} {
		res, err := tx.ExecContext(ctx, `DELETE FROM `+del.table+` WHERE repo = ? AND pr = ?`, pr.repo, pr.number)
		if err != nil {
			return err
		}
		deleted, err := res.RowsAffected()
		if err != nil {
			return err
		}
		*del.count += deleted
	}
	return nil
}
