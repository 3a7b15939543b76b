package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/csocbot/csocbot/store"
)

func (s *Store) SavePlanFile(ctx context.Context, f store.PlanFile) error {
	// An empty lock file is stored as none, and read back nil.
	var lockFile []byte
	if len(f.LockFile) > 0 {
		lockFile = f.LockFile
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		// Refused before SQLite would, in words a user reads.
		if err := f.Validate(); err != nil {
			return err
		}
		_, now := s.clock()
		_, err := tx.ExecContext(ctx, `
			INSERT INTO plan_files (repo, pr, head_sha, base_sha, unit, sha256, plan, lock_file, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (repo, pr, head_sha, unit) DO UPDATE SET
				base_sha = excluded.base_sha,
				sha256 = excluded.sha256,
				plan = excluded.plan,
				lock_file = excluded.lock_file,
				created_at = excluded.created_at`,
			f.Repo, f.PR, f.HeadSHA, f.BaseSHA, f.Unit, f.SHA256, f.Plan, lockFile, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("saving the plan file of %s at %s#%d@%s: %w", f.Unit, f.Repo, f.PR, f.HeadSHA, err)
	}
	return nil
}

func (s *Store) PlanFile(ctx context.Context, repo string, pr int, unit, headSHA string) (store.PlanFile, error) {
	f := store.PlanFile{Repo: repo, PR: pr, HeadSHA: headSHA, Unit: unit}
	var createdAt string
	err := s.db.QueryRowContext(ctx, `
		SELECT base_sha, sha256, plan, lock_file, created_at FROM plan_files
		WHERE repo = ? AND pr = ? AND head_sha = ? AND unit = ?`, repo, pr, headSHA, unit).
		Scan(&f.BaseSHA, &f.SHA256, &f.Plan, &f.LockFile, &createdAt)
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err == nil {
		f.CreatedAt, err = parseTime(createdAt)
	}
	if err != nil {
		return store.PlanFile{}, fmt.Errorf("reading the plan file of %s at %s#%d@%s: %w", unit, repo, pr, headSHA, err)
	}
	return f, nil
}

func (s *Store) DeletePlanFiles(ctx context.Context, repo string, pr int, keepHead string) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			DELETE FROM plan_files WHERE repo = ? AND pr = ? AND (? = '' OR head_sha <> ?)`, repo, pr, keepHead, keepHead)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("deleting the plan files of %s#%d: %w", repo, pr, err)
	}
	return n, nil
}

func (s *Store) DeletePlanFile(ctx context.Context, repo string, pr int, unit, headSHA string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			DELETE FROM plan_files WHERE repo = ? AND pr = ? AND head_sha = ? AND unit = ?`, repo, pr, headSHA, unit)
		return err
	})
	if err != nil {
		return fmt.Errorf("deleting the plan file of %s at %s#%d@%s: %w", unit, repo, pr, headSHA, err)
	}
	return nil
}
