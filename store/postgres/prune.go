package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/csocbot/csocbot/store"
)

// pruneBatch is how many rows one transaction of Prune deletes, and
// prunePullRequests how many pull requests: each transaction stays short,
// however much there is to prune.
const (
	pruneBatch        = 500
	prunePullRequests = 100
)

// Prune deletes in batches, each in its own transaction, so that a store
// that has never been pruned catches up without long transactions.
func (s *Store) Prune(ctx context.Context, olderThan time.Time) (store.PruneCounts, error) {
	var n store.PruneCounts
	before := utcMicros(olderThan)
	when := before.Format(time.RFC3339)
	var err error
	n.Deliveries, err = s.deleteInBatches(ctx, `
		DELETE FROM deliveries WHERE id IN (
			SELECT id FROM deliveries WHERE received_at < $1 LIMIT $2)`, before)
	if err != nil {
		return n, fmt.Errorf("pruning the webhook deliveries received before %s: %w", when, err)
	}
	// A job a delivery still names stays, for the delivery's sake. Only a
	// new job gets a delivery, so none can name a finished one meanwhile.
	n.Jobs, err = s.deleteInBatches(ctx, `
		DELETE FROM jobs WHERE id IN (
			SELECT id FROM jobs AS j
			WHERE state IN ('done', 'failed', 'interrupted', 'superseded', 'cancelled') AND updated_at < $1
				AND NOT EXISTS (SELECT 1 FROM deliveries AS d WHERE d.job_id = j.id)
			LIMIT $2)`, before)
	if err != nil {
		return n, fmt.Errorf("pruning the jobs finished before %s: %w", when, err)
	}
	// A pending message stays however old it is: it is still to be sent.
	n.SlackDeliveries, err = s.deleteInBatches(ctx, `
		DELETE FROM slack_deliveries WHERE id IN (
			SELECT id FROM slack_deliveries WHERE delivered_at < $1 LIMIT $2)`, before)
	if err != nil {
		return n, fmt.Errorf("pruning the Slack messages delivered before %s: %w", when, err)
	}
	prs, err := collectAll(ctx, s.pool, pgx.RowToStructByPos[pullRequest], `
		SELECT repo, pr FROM (
			SELECT repo, pr, updated_at AS at FROM runs
			UNION ALL SELECT repo, pr, created_at FROM comments
			UNION ALL SELECT repo, pr, created_at FROM policy_approvals
			UNION ALL SELECT repo, pr, created_at FROM plan_files) AS touched
		GROUP BY repo, pr
		HAVING max(at) < $1`, before)
	if err != nil {
		return n, fmt.Errorf("pruning pull requests untouched since %s: %w", when, err)
	}
	for batch := range slices.Chunk(prs, prunePullRequests) {
		var got store.PruneCounts
		err := s.tx(ctx, func(tx pgx.Tx) error {
			got = store.PruneCounts{}
			// Writers of these tables wait for the batch, so a run or a
			// comment recorded meanwhile is seen by the check below, not
			// deleted after it.
			if _, err := tx.Exec(ctx, `LOCK TABLE runs, comments, policy_approvals, plan_files IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return err
			}
			for _, pr := range batch {
				if err := prunePullRequest(ctx, tx, pr, before, &got); err != nil {
					return fmt.Errorf("%s#%d: %w", pr.Repo, pr.Number, err)
				}
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("pruning pull requests untouched since %s: %w", when, err)
		}
		n.Add(got)
	}
	return n, nil
}

// deleteInBatches runs del, a DELETE whose parameters are the time before
// which rows go and how many go at most, until it deletes fewer rows than
// a batch, and returns how many it deleted.
func (s *Store) deleteInBatches(ctx context.Context, del string, before time.Time) (int64, error) {
	var total int64
	for {
		tag, err := s.pool.Exec(ctx, del, before, pruneBatch)
		if err != nil {
			return total, err
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < pruneBatch {
			return total, nil
		}
	}
}

// pullRequest names a pull request whose records Prune may delete.
type pullRequest struct {
	Repo   string
	Number int
}

// prunePullRequest deletes the runs, comments, approvals and plan files of
// pr, adding how many to n, unless it has a queued or running job or one of
// them was recorded or updated since before. Its locks stay.
func prunePullRequest(ctx context.Context, tx pgx.Tx, pr pullRequest, before time.Time, n *store.PruneCounts) error {
	var busy bool
	err := tx.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM jobs WHERE state IN ('queued', 'running') AND key = $1)
			OR EXISTS (SELECT 1 FROM runs WHERE repo = $2 AND pr = $3 AND updated_at >= $4)
			OR EXISTS (SELECT 1 FROM comments WHERE repo = $2 AND pr = $3 AND created_at >= $4)
			OR EXISTS (SELECT 1 FROM policy_approvals WHERE repo = $2 AND pr = $3 AND created_at >= $4)
			OR EXISTS (SELECT 1 FROM plan_files WHERE repo = $2 AND pr = $3 AND created_at >= $4)`,
		store.PullRequestKey(pr.Repo, pr.Number), pr.Repo, pr.Number, before).Scan(&busy)
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
		tag, err := tx.Exec(ctx, `DELETE FROM `+del.table+` WHERE repo = $1 AND pr = $2`, pr.Repo, pr.Number)
		if err != nil {
			return err
		}
		*del.count += tag.RowsAffected()
	}
	return nil
}
