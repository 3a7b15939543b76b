package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/csocbot/csocbot/store"
)

// reclaimedMessage is the LastError of a job ReclaimExpired queues again.
const reclaimedMessage = "its worker's lease ended (the process stopped or lost the database); queued again"

func (s *Store) RenewLeases(ctx context.Context, worker string, lease time.Duration, ids ...int64) ([]int64, error) {
	if err := store.CheckLease(lease); err != nil {
		return nil, fmt.Errorf("renewing the leases of %s: %w", worker, err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var renewed []int64
	err := s.write(ctx, func(tx *sql.Tx) (err error) {
		t, _ := s.clock()
		args := []any{formatTime(t.Add(lease)), worker}
		for _, id := range ids {
			args = append(args, id)
		}
		renewed, err = queryAll(ctx, tx, scanID, `
			UPDATE jobs SET lease_until = ?
			WHERE worker = ? AND state = 'running' AND id IN (?`+strings.Repeat(`, ?`, len(ids)-1)+`)
			RETURNING id`, args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("renewing the leases of %s: %w", worker, err)
	}
	var lost []int64
	for _, id := range ids {
		if !slices.Contains(renewed, id) {
			lost = append(lost, id)
		}
	}
	return lost, nil
}

func scanID(row scanner) (int64, error) {
	var id int64
	return id, row.Scan(&id)
}

// ReclaimExpired decides each expired job's fate in Go, as Fail does, so
// that which kinds are retried stays [store.Kind.RetrySafe]'s to say; there
// are few such jobs, and the write lock holds them still meanwhile.
func (s *Store) ReclaimExpired(ctx context.Context) ([]store.Job, error) {
	var failed []store.Job
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, now := s.clock()
		expired, err := queryAll(ctx, tx, scanJob, `
			SELECT `+jobColumns+` FROM jobs
			WHERE state = 'running' AND lease_until <> '' AND lease_until < ?
			ORDER BY id`, now)
		if err != nil {
			return err
		}
		for _, j := range expired {
			if j.Kind.RetrySafe() && j.Attempts < store.MaxAttempts {
				_, err = tx.ExecContext(ctx, `
					UPDATE jobs SET state = 'queued', run_after = ?, last_error = ?, updated_at = ? WHERE id = ?`,
					now, reclaimedMessage, now, j.ID)
				if err != nil {
					return err
				}
				continue
			}
			j, err = scanJob(tx.QueryRowContext(ctx, `
				UPDATE jobs SET state = 'failed', last_error = ?, updated_at = ? WHERE id = ?
				RETURNING `+jobColumns, store.InterruptedMessage, now, j.ID))
			if err != nil {
				return err
			}
			failed = append(failed, j)
		}
		if len(expired) > 0 {
			s.log.InfoContext(ctx, "store: reclaimed the jobs whose lease ended", "jobs", len(expired), "failed", len(failed))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reclaiming the jobs whose lease ended: %w", err)
	}
	return failed, nil
}

// Lead takes or extends the lease in one upsert, whose update applies only
// when holder leads already or the lease has ended; it returns no row when
// another holder leads.
func (s *Store) Resign(ctx context.Context, role, holder string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM leaders WHERE role = ? AND holder = ?`, role, holder)
		return err
	})
	if err != nil {
		return fmt.Errorf("resigning %s as %s: %w", role, holder, err)
	}
	return nil
}

func (s *Store) Lead(ctx context.Context, role, holder string, lease time.Duration) (bool, error) {
	if err := store.CheckLease(lease); err != nil {
		return false, fmt.Errorf("leading %s as %s: %w", role, holder, err)
	}
	var leads bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		t, now := s.clock()
		err := tx.QueryRowContext(ctx, `
			INSERT INTO leaders (role, holder, lease_until) VALUES (?, ?, ?)
			ON CONFLICT (role) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
			WHERE leaders.holder = excluded.holder OR leaders.lease_until < ?
			RETURNING 1`, role, holder, formatTime(t.Add(lease)), now).Scan(new(int))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil
		case err != nil:
			return err
		}
		leads = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("leading %s as %s: %w", role, holder, err)
	}
	return leads, nil
}
