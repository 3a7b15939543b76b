package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/csocbot/csocbot/store"
)

const approvalColumns = `id, repo, pr, head_sha, policy_set, approver, comment_id, created_at`

func scanApproval(row pgx.CollectableRow) (store.PolicyApproval, error) {
	var a store.PolicyApproval
	if err := row.Scan(&a.ID, &a.Repo, &a.PR, &a.HeadSHA, &a.Set, &a.Approver, &a.CommentID, &a.CreatedAt); err != nil {
		return store.PolicyApproval{}, err
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return a, nil
}

// ApprovePolicy inserts the approval unless the unique index on the
// lowercased login finds it given already. Under read committed, an
// insert that conflicts with another transaction's waits for it to end,
// so the read that follows sees the approval that won.
func (s *Store) ApprovePolicy(ctx context.Context, a store.PolicyApproval) (store.PolicyApproval, bool, error) {
	var (
		out     store.PolicyApproval
		created bool
	)
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = collectOne(ctx, tx, scanApproval, `
			INSERT INTO policy_approvals (repo, pr, head_sha, policy_set, approver, comment_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (repo, pr, head_sha, policy_set, lower(approver)) DO NOTHING
			RETURNING `+approvalColumns,
			a.Repo, a.PR, a.HeadSHA, a.Set, a.Approver, a.CommentID, s.clock())
		if err == nil {
			created = true
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		out, err = collectOne(ctx, tx, scanApproval, `
			SELECT `+approvalColumns+` FROM policy_approvals
			WHERE repo = $1 AND pr = $2 AND head_sha = $3 AND policy_set = $4 AND lower(approver) = lower($5)`,
			a.Repo, a.PR, a.HeadSHA, a.Set, a.Approver)
		return err
	})
	if err != nil {
		return store.PolicyApproval{}, false, fmt.Errorf("recording %s's approval of policy set %s on %s#%d@%s: %w", a.Approver, a.Set, a.Repo, a.PR, a.HeadSHA, err)
	}
	return out, created, nil
}

func (s *Store) PolicyApprovals(ctx context.Context, repo string, pr int, headSHA string) ([]store.PolicyApproval, error) {
	out, err := collectAll(ctx, s.pool, scanApproval, `
		SELECT `+approvalColumns+` FROM policy_approvals
		WHERE repo = $1 AND pr = $2 AND head_sha = $3
		ORDER BY id`, repo, pr, headSHA)
	if err != nil {
		return nil, fmt.Errorf("reading the policy approvals of %s#%d@%s: %w", repo, pr, headSHA, err)
	}
	return out, nil
}
