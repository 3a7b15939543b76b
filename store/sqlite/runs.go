package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/csocbot/csocbot/store"
)

const runColumns = `id, repo, pr, head_sha, unit, state, plan_path, plan_sha256, summary, policy, mocked_from, created_at, updated_at`

func scanRun(row scanner) (store.Run, error) {
	var (
		r                    store.Run
		summary, policy      sql.NullString
		mockedFrom           string
		createdAt, updatedAt string
	)
	err := row.Scan(&r.ID, &r.Repo, &r.PR, &r.HeadSHA, &r.Unit, &r.State, &r.PlanPath, &r.PlanSHA256,
		&summary, &policy, &mockedFrom, &createdAt, &updatedAt)
	if err != nil {
		return store.Run{}, err
	}
	if mockedFrom != "" {
		r.MockedFrom = strings.Split(mockedFrom, "\n")
	}
	r.Summary, r.Policy = rawJSON(summary), rawJSON(policy)
	if r.CreatedAt, err = parseTime(createdAt); err != nil {
		return store.Run{}, err
	}
	if r.UpdatedAt, err = parseTime(updatedAt); err != nil {
		return store.Run{}, err
	}
	return r, nil
}

func (s *Store) UpsertRun(ctx context.Context, run store.Run) (store.Run, error) {
	var r store.Run
	err := s.write(ctx, func(tx *sql.Tx) (err error) {
		// Refused before SQLite would, in words a user reads.
		if err := run.Validate(); err != nil {
			return err
		}
		_, now := s.clock()
		r, err = scanRun(tx.QueryRowContext(ctx, `
			INSERT INTO runs (repo, pr, head_sha, unit, state, plan_path, plan_sha256, summary, policy, mocked_from, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (repo, pr, head_sha, unit) DO UPDATE SET
				state = excluded.state,
				mocked_from = excluded.mocked_from,
				plan_path = excluded.plan_path,
				plan_sha256 = excluded.plan_sha256,
				summary = excluded.summary,
				policy = excluded.policy,
				updated_at = excluded.updated_at
			RETURNING `+runColumns,
			run.Repo, run.PR, run.HeadSHA, run.Unit, run.State, run.PlanPath, run.PlanSHA256, nullJSON(run.Summary), nullJSON(run.Policy),
			strings.Join(run.MockedFrom, "\n"), now, now))
		return err
	})
	if err != nil {
		return store.Run{}, fmt.Errorf("recording the run of %s at %s#%d@%s: %w", run.Unit, run.Repo, run.PR, run.HeadSHA, err)
	}
	return r, nil
}

func (s *Store) Runs(ctx context.Context, repo string, pr int, headSHA string) ([]store.Run, error) {
	runs, err := queryAll(ctx, s.db, scanRun, `
		SELECT `+runColumns+` FROM runs
		WHERE repo = ? AND pr = ? AND head_sha = ?
		ORDER BY unit`, repo, pr, headSHA)
	if err != nil {
		return nil, fmt.Errorf("reading the runs of %s#%d@%s: %w", repo, pr, headSHA, err)
	}
	return runs, nil
}

func (s *Store) LatestRuns(ctx context.Context, repo string, pr int) ([]store.Run, error) {
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

func (s *Store) RecordComment(ctx context.Context, c store.Comment) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		// Refused before SQLite would, in words a user reads.
		if err := c.Validate(); err != nil {
			return err
		}
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

func (s *Store) Comments(ctx context.Context, repo string, pr int) ([]store.Comment, error) {
	comments, err := queryAll(ctx, s.db, scanComment, `
		SELECT repo, pr, comment_id, kind, head_sha, created_at FROM comments
		WHERE repo = ? AND pr = ?
		ORDER BY created_at, comment_id`, repo, pr)
	if err != nil {
		return nil, fmt.Errorf("reading the comments on %s#%d: %w", repo, pr, err)
	}
	return comments, nil
}

func scanComment(row scanner) (store.Comment, error) {
	var (
		c         store.Comment
		createdAt string
	)
	if err := row.Scan(&c.Repo, &c.PR, &c.CommentID, &c.Kind, &c.HeadSHA, &createdAt); err != nil {
		return store.Comment{}, err
	}
	var err error
	c.CreatedAt, err = parseTime(createdAt)
	return c, err
}
