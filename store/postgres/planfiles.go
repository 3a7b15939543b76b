package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/csocbot/csocbot/store"
)

func (s *Store) SavePlanFile(ctx context.Context, f store.PlanFile) error {
	// An empty lock file is stored as none, and read back nil.
	var lockFile []byte
	if len(f.LockFile) > 0 {
		lockFile = f.LockFile
	}
	err := f.Validate()
	if err == nil {
		_, err = s.pool.Exec(ctx, `
			INSERT INTO plan_files (repo, pr, head_sha, base_sha, unit, sha256, plan, lock_file, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (repo, pr, head_sha, unit) DO UPDATE SET
				base_sha = excluded.base_sha,
				sha256 = excluded.sha256,
				plan = excluded.plan,
				lock_file = excluded.lock_file,
				created_at = excluded.created_at`,
			f.Repo, f.PR, f.HeadSHA, f.BaseSHA, f.Unit, f.SHA256, f.Plan, lockFile, s.clock())
	}
	if err != nil {
		return fmt.Errorf("saving the plan file of %s at %s#%d@%s: %w", f.Unit, f.Repo, f.PR, f.HeadSHA, err)
	}
	return nil
}

func (s *Store) PlanFile(ctx context.Context, repo string, pr int, unit, headSHA string) (store.PlanFile, error) {
	f := store.PlanFile{Repo: repo, PR: pr, HeadSHA: headSHA, Unit: unit}
	err := s.pool.QueryRow(ctx, `
		SELECT base_sha, sha256, plan, lock_file, created_at FROM plan_files
		WHERE repo = $1 AND pr = $2 AND head_sha = $3 AND unit = $4`, repo, pr, headSHA, unit).
		Scan(&f.BaseSHA, &f.SHA256, &f.Plan, &f.LockFile, &f.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.PlanFile{}, fmt.Errorf("reading the plan file of %s at %s#%d@%s: %w", unit, repo, pr, headSHA, err)
	}
	f.CreatedAt = f.CreatedAt.UTC()
	return f, nil
}

func (s *Store) DeletePlanFiles(ctx context.Context, repo string, pr int, keepHead string) (int64, error) {
	tag, err := s.pool.Exec(ctx, `
		DELETE FROM plan_files WHERE repo = $1 AND pr = $2 AND ($3 = '' OR head_sha <> $3)`, repo, pr, keepHead)
	if err != nil {
		return 0, fmt.Errorf("deleting the plan files of %s#%d: %w", repo, pr, err)
	}
	return tag.RowsAffected(), nil
}

func (s *Store) DeletePlanFile(ctx context.Context, repo string, pr int, unit, headSHA string) error {
	_, err := s.pool.Exec(ctx, `
		DELETE FROM plan_files WHERE repo = $1 AND pr = $2 AND head_sha = $3 AND unit = $4`, repo, pr, headSHA, unit)
	if err != nil {
		return fmt.Errorf("deleting the plan file of %s at %s#%d@%s: %w", unit, repo, pr, headSHA, err)
	}
	return nil
}
