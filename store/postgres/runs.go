package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/csocbot/csocbot/store"
)

const runColumns = `id, repo, pr, head_sha, unit, state, plan_path, plan_sha256, summary, policy, mocked_from, created_at, updated_at`

func scanRun(row pgx.CollectableRow) (store.Run, error) {
	var (
		r               store.Run
		summary, policy *string
		mockedFrom      string
	)
	err := row.Scan(&r.ID, &r.Repo, &r.PR, &r.HeadSHA, &r.Unit, &r.State, &r.PlanPath, &r.PlanSHA256,
		&summary, &policy, &mockedFrom, &r.CreatedAt, &r.UpdatedAt)
	if err != nil {
		return store.Run{}, err
	}
	if mockedFrom != "" {
		r.MockedFrom = strings.Split(mockedFrom, "\n")
	}
	r.Summary, r.Policy = jsonColumn(summary), jsonColumn(policy)
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, nil
}

func (s *Store) UpsertRun(ctx context.Context, run store.Run) (store.Run, error) {
	err := run.Validate()
	var r store.Run
	if err == nil {
		now := s.clock()
		r, err = collectOne(ctx, s.pool, scanRun, `
			INSERT INTO runs (repo, pr, head_sha, unit, state, plan_path, plan_sha256, summary, policy, mocked_from, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
			ON CONFLICT (repo, pr, head_sha, unit) DO UPDATE SET
				state = excluded.state,
				mocked_from = excluded.mocked_from,
				plan_path = excluded.plan_path,
				plan_sha256 = excluded.plan_sha256,
				summary = excluded.summary,
				policy = excluded.policy,
				updated_at = excluded.updated_at
			RETURNING `+runColumns,
			run.Repo, run.PR, run.HeadSHA, run.Unit, string(run.State), run.PlanPath, run.PlanSHA256,
			nullJSON(run.Summary), nullJSON(run.Policy), strings.Join(run.MockedFrom, "\n"), now)
	}
	if err != nil {
		return store.Run{}, fmt.Errorf("recording the run of %s at %s#%d@%s: %w", run.Unit, run.Repo, run.PR, run.HeadSHA, err)
	}
	return r, nil
}

func (s *Store) Runs(ctx context.Context, repo string, pr int, headSHA string) ([]store.Run, error) {
	runs, err := collectAll(ctx, s.pool, scanRun, `
		SELECT `+runColumns+` FROM runs
		WHERE repo = $1 AND pr = $2 AND head_sha = $3
		ORDER BY unit`, repo, pr, headSHA)
	if err != nil {
		return nil, fmt.Errorf("reading the runs of %s#%d@%s: %w", repo, pr, headSHA, err)
	}
	return runs, nil
}

func (s *Store) LatestRuns(ctx context.Context, repo string, pr int) ([]store.Run, error) {
	// Runs are inserted as heads are planned, so the highest id of a unit is
	// its run at the newest head.
	runs, err := collectAll(ctx, s.pool, scanRun, `
		SELECT DISTINCT ON (unit) `+runColumns+` FROM runs
		WHERE repo = $1 AND pr = $2
		ORDER BY unit, id DESC`, repo, pr)
	if err != nil {
		return nil, fmt.Errorf("reading the latest runs of %s#%d: %w", repo, pr, err)
	}
	return runs, nil
}

// jsonColumn reads back an optional JSON value nullJSON (jobs.go) stored.
func jsonColumn(v *string) json.RawMessage {
	if v == nil {
		return nil
	}
	return json.RawMessage(*v)
}

// utcMicros is a time given to the store as stored: UTC, to the
// microsecond. PostgreSQL would round the nanoseconds rather than drop
// them.
func utcMicros(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// rowQuerier is a *pgxpool.Pool or a pgx.Tx.
type rowQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// collectAll runs query and scans every row it returns with scan; it
// returns nil when there is none.
func collectAll[T any](ctx context.Context, q rowQuerier, scan pgx.RowToFunc[T], query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.AppendRows([]T(nil), rows, scan)
}

// collectOne runs query and scans the one row it returns with scan, or
// returns an error wrapping pgx.ErrNoRows when it returns none.
func collectOne[T any](ctx context.Context, q rowQuerier, scan pgx.RowToFunc[T], query string, args ...any) (T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		var zero T
		return zero, err
	}
	return pgx.CollectExactlyOneRow(rows, scan)
}
