package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/csocbot/csocbot/store"
)

const approvalColumns = `id, repo, pr, head_sha, policy_set, approver, comment_id, created_at`

func scanApproval(row scanner) (store.PolicyApproval, error) {
	var (
		a         store.PolicyApproval
		createdAt string
	)
	if err := row.Scan(&a.ID, &a.Repo, &a.PR, &a.HeadSHA, &a.Set, &a.Approver, &a.CommentID, &createdAt); err != nil {
		return store.PolicyApproval{}, err
	}
	var err error
	a.CreatedAt, err = parseTime(createdAt)
	return a, err
}

func (s *Store) ApprovePolicy(ctx context.Context, a store.PolicyApproval) (store.PolicyApproval, bool, error) {
	var (
		out     store.PolicyApproval
		created bool
	)
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, now := s.clock()
		var err error
		out, err = scanApproval(tx.QueryRowContext(ctx, `
			INSERT INTO policy_approvals (repo, pr, head_sha, policy_set, approver, comment_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (repo, pr, head_sha, policy_set, approver) DO NOTHING
			RETURNING `+approvalColumns,
			a.Repo, a.PR, a.HeadSHA, a.Set, a.Approver, a.CommentID, now))
		if err == nil {
			created = true
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		out, err = scanApproval(tx.QueryRowContext(ctx, `
			SELECT `+approvalColumns+` FROM policy_approvals
			WHERE repo = ? AND pr = ? AND head_sha = ? AND policy_set = ? AND approver = ?`,
			a.Repo, a.PR, a.HeadSHA, a.Set, a.Approver))
		return err
	})
	if err != nil {
		return store.PolicyApproval{}, false, fmt.Errorf("recording %s's approval of policy set %s on %s#%d@%s: %w", a.Approver, a.Set, a.Repo, a.PR, a.HeadSHA, err)
	}
	return out, created, nil
}

func (s *Store) PolicyApprovals(ctx context.Context, repo string, pr int, headSHA string) ([]store.PolicyApproval, error) {
	out, err := queryAll(ctx, s.db, scanApproval, `
		SELECT `+approvalColumns+` FROM policy_approvals
		WHERE repo = ? AND pr = ? AND head_sha = ?
		ORDER BY id`, repo, pr, headSHA)
	if err != nil {
		return nil, fmt.Errorf("reading the policy approvals of %s#%d@%s: %w", repo, pr, headSHA, err)
	}
	return out, nil
}
