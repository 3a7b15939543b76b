package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/csocbot/csocbot/store"
)

const auditColumns = `seq, at, actor, action, repo, pr, head_sha, unit, plan_sha256, role_arn, outcome, detail, prev_hash, hash`

func scanAudit(row pgx.CollectableRow) (store.AuditEntry, error) {
	var e store.AuditEntry
	err := row.Scan(&e.Seq, &e.Time, &e.Actor, &e.Action, &e.Repo, &e.PR, &e.HeadSHA, &e.Unit, &e.PlanSHA256,
		&e.RoleARN, &e.Outcome, &e.Detail, &e.PrevHash, &e.Hash)
	if err != nil {
		return store.AuditEntry{}, err
	}
	e.Time = e.Time.UTC()
	return e, nil
}

// auditLock is the pg_advisory_xact_lock key appends to the audit log
// hold, so that no two processes read the same last entry and chain to it.
const auditLock = 0x63736f6361756474 // "csocaudt"

// AppendAudit takes the audit lock, then reads the last entry and inserts
// the next in the same transaction: under read committed, the read, a
// statement that starts once the lock is held, sees the entry the previous
// holder committed. seq's primary key would refuse a second entry with the
// same number even without the lock.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error) {
	e = e.Cleaned()
	err := e.Validate()
	if err == nil {
		err = s.tx(ctx, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(auditLock)); err != nil {
				return fmt.Errorf("waiting for the audit log's lock: %w", err)
			}
			err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&e.Seq, &e.PrevHash)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				e.Seq, e.PrevHash = 0, ""
			case err != nil:
				return err
			}
			e.Seq++
			e.Time = s.clock()
			e.Hash = e.ComputeHash()
			_, err = tx.Exec(ctx, `
				INSERT INTO audit_log (`+auditColumns+`)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
				e.Seq, e.Time, e.Actor, e.Action, e.Repo, e.PR, e.HeadSHA, e.Unit, e.PlanSHA256,
				e.RoleARN, e.Outcome, e.Detail, e.PrevHash, e.Hash)
			return err
		})
	}
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
	cond := func(c string, v any) {
		args = append(args, v)
		where = append(where, c+` $`+strconv.Itoa(len(args)))
	}
	if f.Repo != "" {
		cond(`repo =`, f.Repo)
	}
	if f.PR != 0 {
		cond(`pr =`, f.PR)
	}
	if f.Unit != "" {
		cond(`unit =`, f.Unit)
	}
	if !f.Since.IsZero() {
		cond(`at >=`, utcMicros(f.Since))
	}
	q := `SELECT ` + auditColumns + ` FROM audit_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	// The newest first, so that a limit keeps the newest; reversed below.
	q += ` ORDER BY seq DESC`
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += ` LIMIT $` + strconv.Itoa(len(args))
	}
	entries, err := collectAll(ctx, s.pool, scanAudit, q, args...)
	if err != nil {
		return nil, fmt.Errorf("reading the audit log: %w", err)
	}
	slices.Reverse(entries)
	return entries, nil
}

func (s *Store) AuditChain(ctx context.Context, fn func(store.AuditEntry) error) error {
	return store.WalkAudit(func(after int64, limit int) ([]store.AuditEntry, error) {
		return collectAll(ctx, s.pool, scanAudit, `
			SELECT `+auditColumns+` FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	}, fn)
}
