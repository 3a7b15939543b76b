package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/csocbot/csocbot/store"
)

const auditColumns = `seq, at, actor, action, repo, pr, head_sha, unit, plan_sha256, role_arn, outcome, detail, prev_hash, hash`

func scanAudit(row scanner) (store.AuditEntry, error) {
	var (
		e  store.AuditEntry
		at string
	)
	err := row.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Repo, &e.PR, &e.HeadSHA, &e.Unit, &e.PlanSHA256,
		&e.RoleARN, &e.Outcome, &e.Detail, &e.PrevHash, &e.Hash)
	if err != nil {
		return store.AuditEntry{}, err
	}
	e.Time, err = parseTime(at)
	return e, err
}

// AppendAudit reads the last entry and inserts the next in one
// transaction, which holds the database's write lock from its start (see
// write), so no other append comes between; seq's primary key would refuse
// a second entry with the same number even without it.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error) {
	e = e.Cleaned()
	err := s.write(ctx, func(tx *sql.Tx) error {
		// Refused before SQLite would, in words a user reads.
		if err := e.Validate(); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&e.Seq, &e.PrevHash)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			e.Seq, e.PrevHash = 0, ""
		case err != nil:
			return err
		}
		e.Seq++
		var at string
		e.Time, at = s.clock()
		e.Hash = e.ComputeHash()
		_, err = tx.ExecContext(ctx, `
			INSERT INTO audit_log (`+auditColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Seq, at, e.Actor, e.Action, e.Repo, e.PR, e.HeadSHA, e.Unit, e.PlanSHA256,
			e.RoleARN, e.Outcome, e.Detail, e.PrevHash, e.Hash)
		return err
	})
	if err != nil {
		return store.AuditEntry{}, fmt.Errorf("appending an audit entry (action %q, actor %q): %w", e.Action, e.Actor, err)
	}
	return e, nil
}

func (s *Store) Audit(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error) {
	var (
		where []string
		args  []any
	)
	if f.Repo != "" {
		where = append(where, `repo = ?`)
		args = append(args, f.Repo)
	}
	if f.PR != 0 {
		where = append(where, `pr = ?`)
		args = append(args, f.PR)
	}
	if f.Unit != "" {
		where = append(where, `unit = ?`)
		args = append(args, f.Unit)
	}
	if !f.Since.IsZero() {
		where = append(where, `at >= ?`)
		args = append(args, formatTime(f.Since))
	}
	// The newest first, so that a limit keeps the newest; reversed below.
	q, args := selectWhere(auditColumns, "audit_log", where, "seq DESC", f.Limit, args)
	entries, err := queryAll(ctx, s.db, scanAudit, q, args...)
	if err != nil {
		return nil, fmt.Errorf("reading the audit log: %w", err)
	}
	slices.Reverse(entries)
	return entries, nil
}

// AuditChain reads a page per query (see store.WalkAudit), so that it
// holds no read transaction open while fn runs.
func (s *Store) AuditChain(ctx context.Context, fn func(store.AuditEntry) error) error {
	return store.WalkAudit(func(after int64, limit int) ([]store.AuditEntry, error) {
		return queryAll(ctx, s.db, scanAudit, `
			SELECT `+auditColumns+` FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	}, fn)
}
