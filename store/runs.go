package store

import (
	"context"
	"database/sql"
	"fmt"
)

const runColumns = `id, repo, pr, head_sha, unit, state, plan_path, plan_sha256, summary, policy, created_at, updated_at`

func scanRun(row scanner) (Run, error) {
	var (
		r                    Run
		summary, policy      sql.NullString
		createdAt, updatedAt string
	)
	err := row.Scan(&r.ID, &r.Repo, &r.PR, &r.HeadSHA, &r.Unit, &r.State, &r.PlanPath, &r.PlanSHA256,
		&summary, &policy, &createdAt, &updatedAt)
	if err != nil {
		return Run{}, err
	}
	r.Summary, r.Policy = rawJSON(summary), rawJSON(policy)
	if r.CreatedAt, err = parseTime(createdAt); err != nil {
		return Run{}, err
	}
	if r.UpdatedAt, err = parseTime(updatedAt); err != nil {
		return Run{}, err
	}
	return r, nil
}

func (s *SQLite) UpsertRun(ctx context.Context, run Run) (Run, error) {
	var r Run
	err := s.write(ctx, func(tx *sql.Tx) (err error) {
		_, now := s.clock()
		r, err = scanRun(tx.QueryRowContext(ctx, `
			INSERT INTO runs (repo, pr, head_sha, unit, state, plan_path, plan_sha256, summary, policy, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (repo, pr, head_sha, unit) DO UPDATE SET
				state = excluded.state,
				plan_path = excluded.plan_path,
				plan_sha256 = excluded.plan_sha256,
				summary = excluded.summary,
				policy = excluded.policy,
				updated_at = excluded.updated_at
			RETURNING `+runColumns,
			run.Repo, run.PR, run.HeadSHA, run.Unit, run.State, run.PlanPath, run.PlanSHA256, nullJSON(run.Summary), nullJSON(run.Policy), now, now))
		return err
	})
	if err != nil {
		return Run{}, fmt.Errorf("recording the run of %s at %s#%d@%s: %w", run.Unit, run.Repo, run.PR, run.HeadSHA, err)
	}
	return r, nil
}

func (s *SQLite) Runs(ctx context.Context, repo string, pr int, headSHA string) ([]Run, error) {
	runs, err := queryAll(ctx, s.db, scanRun, `
		SELECT `+runColumns+` FROM runs
		WHERE repo = ? AND pr = ? AND head_sha = ?
		ORDER BY unit`, repo, pr, headSHA)
	if err != nil {
		return nil, fmt.Errorf("reading the runs of %s#%d@%s: %w", repo, pr, headSHA, err)
	}
	return runs, nil
}

func (s *SQLite) LatestRuns(ctx context.Context, repo string, pr int) ([]Run, error) {
	// Runs are inserted as heads are planned, so the highest id of a unit is
	// its run at the newest head.
	runs, err := queryAll(ctx, s.db, scanRun, `
		SELECT `+runColumns+` FROM runs
		WHERE id IN (SELECT max(id) FROM runs WHERE repo = ? AND pr = ? GROUP BY unit)
		ORDER BY unit`, repo, pr)
	if err != nil {
		return nil, fmt.Errorf("reading the latest runs of %s#%d: %w", repo, pr, err)
	}
	return runs, nil
}

func (s *SQLite) RecordComment(ctx context.Context, c Comment) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, now := s.clock()
		_, err := tx.ExecContext(ctx, `
			INSERT INTO comments (comment_id, repo, pr, kind, head_sha, created_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (comment_id) DO UPDATE SET kind = excluded.kind, head_sha = excluded.head_sha`,
			c.CommentID, c.Repo, c.PR, c.Kind, c.HeadSHA, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("recording comment %d on %s#%d: %w", c.CommentID, c.Repo, c.PR, err)
	}
	return nil
}

func (s *SQLite) Comments(ctx context.Context, repo string, pr int) ([]Comment, error) {
	comments, err := queryAll(ctx, s.db, scanComment, `
		SELECT repo, pr, comment_id, kind, head_sha, created_at FROM comments
		WHERE repo = ? AND pr = ?
		ORDER BY created_at, comment_id`, repo, pr)
	if err != nil {
		return nil, fmt.Errorf("reading the comments on %s#%d: %w", repo, pr, err)
	}
	return comments, nil
}

func scanComment(row scanner) (Comment, error) {
	var (
		c         Comment
		createdAt string
	)
	if err := row.Scan(&c.Repo, &c.PR, &c.CommentID, &c.Kind, &c.HeadSHA, &createdAt); err != nil {
		return Comment{}, err
	}
	var err error
	c.CreatedAt, err = parseTime(createdAt)
	return c, err
}
