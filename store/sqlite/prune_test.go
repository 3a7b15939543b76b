package sqlite

import (
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/csocbot/csocbot/store"
)

// TestPruneInBatches checks that Prune deletes everything due, however
// many batches it takes.
func TestPruneInBatches(t *testing.T) {
	ctx := t.Context()
	old := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	s, _ := openTemp(t, Options{Now: func() time.Time { return old }})
	const deliveries, jobs, prs = 2*pruneBatch + 1, pruneBatch, pruneBatch + 1
	at := formatTime(old)
	err := s.write(ctx, func(tx *sql.Tx) error {
		for i := range deliveries {
			// The first jobs are done, the others still queued.
			state := store.JobDone
			if i >= jobs {
				state = store.JobQueued
			}
			var id int64
			err := tx.QueryRowContext(ctx, `
				INSERT INTO jobs (kind, key, state, run_after, created_at, updated_at)
				VALUES ('plan', ?, ?, ?, ?, ?) RETURNING id`, fmt.Sprint(i), state, at, at, at).Scan(&id)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries (id, job_id, received_at) VALUES (?, ?, ?)`, fmt.Sprint("d-", i), id, at); err != nil {
				return err
			}
		}
		for pr := range prs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO comments (comment_id, repo, pr, kind, created_at) VALUES (?, 'o/r', ?, 'plan', ?)`, pr, pr, at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Prune(ctx, old.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.PruneCounts{Deliveries: deliveries, Jobs: jobs, Comments: prs}); got != want {
		t.Errorf("pruned %+v, want %+v", got, want)
	}
}
