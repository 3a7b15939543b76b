package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/csocbot/csocbot/store"
)

const jobColumns = `id, kind, key, payload, state, attempts, run_after, created_at, updated_at, worker, lease_until, last_error`

func scanJob(row scanner) (store.Job, error) {
	var (
		j                                          store.Job
		payload                                    sql.NullString
		runAfter, createdAt, updatedAt, leaseUntil string
	)
	err := row.Scan(&j.ID, &j.Kind, &j.Key, &payload, &j.State, &j.Attempts,
		&runAfter, &createdAt, &updatedAt, &j.Worker, &leaseUntil, &j.LastError)
	if err != nil {
		return store.Job{}, err
	}
	if leaseUntil != "" { // '' for a job never leased
		if j.LeaseUntil, err = parseTime(leaseUntil); err != nil {
			return store.Job{}, err
		}
	}
	j.Payload = rawJSON(payload)
	if j.RunAfter, err = parseTime(runAfter); err != nil {
		return store.Job{}, err
	}
	if j.CreatedAt, err = parseTime(createdAt); err != nil {
		return store.Job{}, err
	}
	if j.UpdatedAt, err = parseTime(updatedAt); err != nil {
		return store.Job{}, err
	}
	return j, nil
}

func (s *Store) insertJob(ctx context.Context, tx *sql.Tx, job store.NewJob) (store.Job, error) {
	if err := job.Validate(); err != nil {
		return store.Job{}, err
	}
	_, now := s.clock()
	runAfter := now
	if !job.RunAfter.IsZero() {
		runAfter = formatTime(job.RunAfter)
	}
	j, err := scanJob(tx.QueryRowContext(ctx, `
		INSERT INTO jobs (kind, key, payload, state, run_after, created_at, updated_at)
		VALUES (?, ?, ?, 'queued', ?, ?, ?)
		RETURNING `+jobColumns,
		job.Kind, job.Key, nullJSON(job.Payload), runAfter, now, now))
	if err != nil || job.Supersedes == "" {
		return j, err
	}
	_, err = tx.ExecContext(ctx, `
		UPDATE jobs SET state = 'superseded', updated_at = ?
		WHERE key = ? AND kind = ? AND id <> ? AND state IN ('queued', 'running')`,
		now, job.Key, job.Supersedes, j.ID)
	return j, err
}

func (s *Store) Enqueue(ctx context.Context, job store.NewJob) (store.Job, error) {
	var j store.Job
	err := s.write(ctx, func(tx *sql.Tx) (err error) {
		j, err = s.insertJob(ctx, tx, job)
		return err
	})
	if err != nil {
		return store.Job{}, fmt.Errorf("enqueueing a %s job for %s: %w", job.Kind, job.Key, err)
	}
	return j, nil
}

// RecordDelivery commits deliveries in groups: a caller queues its
// delivery, and whoever holds the write lock records every queued delivery
// in one transaction (each in a savepoint, so one failure fails only its
// own). Under a burst of webhooks one commit serves many; alone, a delivery
// commits at once.
func (s *Store) RecordDelivery(ctx context.Context, deliveryID string, job store.NewJob) (store.Job, bool, error) {
	if deliveryID == "" {
		// Recording it would make every later delivery without an id a
		// duplicate of this one.
		return store.Job{}, false, errors.New("recording a delivery: no delivery id")
	}
	d := &pendingDelivery{id: deliveryID, job: job, done: make(chan struct{})}
	s.pendingMu.Lock()
	s.pending = append(s.pending, d)
	s.pendingMu.Unlock()
	for {
		select {
		case <-d.done:
			return d.result()
		case s.writeLock <- struct{}{}:
			s.recordPending(ctx)
			<-s.writeLock
		case <-ctx.Done():
			// The delivery may still be recorded by the next writer; the
			// caller answers an error and GitHub's redelivery is then
			// recognised as a duplicate.
			return store.Job{}, false, fmt.Errorf("recording delivery %s: %w", deliveryID, ctx.Err())
		}
	}
}

// pendingDelivery is a delivery waiting for a writer to record it.
type pendingDelivery struct {
	id    string
	job   store.NewJob
	done  chan struct{}
	j     store.Job
	isNew bool
	err   error
}

func (d *pendingDelivery) result() (store.Job, bool, error) {
	if d.err != nil {
		return store.Job{}, false, fmt.Errorf("recording delivery %s: %w", d.id, d.err)
	}
	return d.j, d.isNew, nil
}

// recordPending records the queued deliveries, in batches, until none is
// left; the caller holds the write lock.
func (s *Store) recordPending(ctx context.Context) {
	for {
		s.pendingMu.Lock()
		batch := s.pending
		s.pending = nil
		s.pendingMu.Unlock()
		if len(batch) == 0 {
			return
		}
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			for _, d := range batch {
				d.err = recordOne(ctx, s, tx, d)
			}
			return nil
		})
		for _, d := range batch {
			if err != nil {
				d.err, d.isNew = err, false
			}
			close(d.done)
		}
	}
}

// recordOne records one delivery inside a savepoint of tx.
func recordOne(ctx context.Context, s *Store, tx *sql.Tx, d *pendingDelivery) error {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT delivery`); err != nil {
		return err
	}
	err := func() error {
		var err error
		d.j, err = scanJob(tx.QueryRowContext(ctx, `
			SELECT `+jobColumns+` FROM jobs
			WHERE id = (SELECT job_id FROM deliveries WHERE id = ?)`, d.id))
		if !errors.Is(err, sql.ErrNoRows) {
			return err // seen before, or failed
		}
		if d.j, err = s.insertJob(ctx, tx, d.job); err != nil {
			return err
		}
		d.isNew = true
		_, err = tx.ExecContext(ctx, `INSERT INTO deliveries (id, job_id, received_at) VALUES (?, ?, ?)`,
			d.id, d.j.ID, formatTime(d.j.CreatedAt))
		return err
	}()
	if err != nil {
		d.isNew = false
		if _, rbErr := tx.ExecContext(ctx, `ROLLBACK TO delivery`); rbErr != nil {
			return errors.Join(err, rbErr)
		}
	}
	if _, relErr := tx.ExecContext(ctx, `RELEASE delivery`); relErr != nil && err == nil {
		return relErr
	}
	return err
}

// Claim picks and marks the job in one UPDATE … RETURNING statement, in a
// transaction that holds the database's write lock (see write); the state
// guard in the outer WHERE would stop a double claim even without it. The
// write lock is also what keeps two applies of one key from running: the
// check that none runs and the claim commit before any other writer reads.
func (s *Store) Claim(ctx context.Context, worker string, lease time.Duration, kinds ...store.Kind) (store.Job, bool, error) {
	if err := store.CheckLease(lease); err != nil {
		return store.Job{}, false, fmt.Errorf("claiming a job for %s: %w", worker, err)
	}
	t, now := s.clock()
	args := []any{worker, formatTime(t.Add(lease)), now, now}
	var kindFilter string
	if len(kinds) > 0 {
		kindFilter = ` AND kind IN (?` + strings.Repeat(`, ?`, len(kinds)-1) + `)`
		for _, k := range kinds {
			args = append(args, k)
		}
	}
	var j store.Job
	err := s.write(ctx, func(tx *sql.Tx) (err error) {
		j, err = scanJob(tx.QueryRowContext(ctx, `
			UPDATE jobs SET state = 'running', worker = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?
			WHERE state = 'queued' AND id = (
				SELECT id FROM jobs AS q
				WHERE state = 'queued' AND run_after <= ?`+kindFilter+`
				AND (kind <> 'apply' OR NOT EXISTS (
					SELECT 1 FROM jobs AS r WHERE r.state = 'running' AND r.kind = 'apply' AND r.key = q.key))
				ORDER BY id LIMIT 1)
			RETURNING `+jobColumns, args...))
		return err
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.Job{}, false, nil
	case err != nil:
		return store.Job{}, false, fmt.Errorf("claiming a job for %s: %w", worker, err)
	}
	return j, true, nil
}

// running reads the kind and attempts of a job worker runs, or explains
// why it is not running for worker.
func running(ctx context.Context, tx *sql.Tx, id int64, worker string) (kind store.Kind, attempts int, err error) {
	var (
		state store.JobState
		owner string
	)
	err = tx.QueryRowContext(ctx, `SELECT kind, state, attempts, worker FROM jobs WHERE id = ?`, id).Scan(&kind, &state, &attempts, &owner)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", 0, store.ErrNotFound
	case err != nil:
		return "", 0, err
	case state != store.JobRunning:
		return "", 0, fmt.Errorf("%w: it is %s", store.ErrNotRunning, state)
	case owner != worker:
		return "", 0, fmt.Errorf("%w: it runs for another worker now: its lease ended and it was taken over", store.ErrNotRunning)
	}
	return kind, attempts, nil
}

func (s *Store) Complete(ctx context.Context, id int64, worker string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, _, err := running(ctx, tx, id, worker); err != nil {
			return err
		}
		_, now := s.clock()
		_, err := tx.ExecContext(ctx, `UPDATE jobs SET state = 'done', updated_at = ? WHERE id = ?`, now, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("completing job %d: %w", id, err)
	}
	return nil
}

func (s *Store) Fail(ctx context.Context, id int64, worker string, cause error) (store.Job, error) {
	var lastError string
	if cause != nil {
		lastError = store.CleanText(cause.Error())
	}
	var j store.Job
	err := s.write(ctx, func(tx *sql.Tx) error {
		kind, attempts, err := running(ctx, tx, id, worker)
		if err != nil {
			return err
		}
		t, now := s.clock()
		next, runAfter := store.JobFailed, sql.NullString{}
		if kind.RetrySafe() && attempts < store.MaxAttempts {
			next, runAfter = store.JobQueued, sql.NullString{String: formatTime(t.Add(store.Backoff(attempts))), Valid: true}
		}
		j, err = scanJob(tx.QueryRowContext(ctx, `
			UPDATE jobs SET state = ?, run_after = coalesce(?, run_after), last_error = ?, updated_at = ?
			WHERE id = ?
			RETURNING `+jobColumns, next, runAfter, lastError, now, id))
		return err
	})
	if err != nil {
		return store.Job{}, fmt.Errorf("failing job %d: %w", id, err)
	}
	return j, nil
}

func (s *Store) Release(ctx context.Context, id int64, worker string) (bool, error) {
	var released bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		kind, _, err := running(ctx, tx, id, worker)
		if err != nil || !kind.RetrySafe() {
			return err
		}
		_, now := s.clock()
		// The attempt is not counted: the job did not fail.
		_, err = tx.ExecContext(ctx, `
			UPDATE jobs SET state = 'queued', attempts = max(attempts - 1, 0), updated_at = ? WHERE id = ?`, now, id)
		released = err == nil
		return err
	})
	if err != nil {
		return false, fmt.Errorf("releasing job %d: %w", id, err)
	}
	return released, nil
}

func (s *Store) RecoverAfterRestart(ctx context.Context) ([]store.Job, error) {
	var failed []store.Job
	err := s.write(ctx, func(tx *sql.Tx) (err error) {
		_, now := s.clock()
		failed, err = queryAll(ctx, tx, scanJob, `
			UPDATE jobs SET state = 'failed', last_error = ?, updated_at = ? WHERE state = 'running'
			RETURNING `+jobColumns, store.InterruptedMessage, now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("recovering the jobs running when csocbot last stopped: %w", err)
	}
	// SQLite does not promise RETURNING's order; the oldest job first.
	slices.SortFunc(failed, func(a, b store.Job) int { return cmp.Compare(a.ID, b.ID) })
	if len(failed) > 0 {
		s.log.InfoContext(ctx, "store: failed the jobs running when csocbot last stopped", "jobs", len(failed))
	}
	return failed, nil
}

func (s *Store) GetJob(ctx context.Context, id int64) (store.Job, error) {
	j, err := scanJob(s.db.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Job{}, fmt.Errorf("reading job %d: %w", id, err)
	}
	return j, nil
}

func (s *Store) ListJobs(ctx context.Context, filter store.JobFilter) ([]store.Job, error) {
	var (
		where []string
		args  []any
	)
	if filter.Key != "" {
		where = append(where, `key = ?`)
		args = append(args, filter.Key)
	}
	if len(filter.States) > 0 {
		where = append(where, `state IN (?`+strings.Repeat(`, ?`, len(filter.States)-1)+`)`)
		for _, st := range filter.States {
			args = append(args, st)
		}
	}
	q, args := selectWhere(jobColumns, "jobs", where, "id DESC", filter.Limit, args)
	jobs, err := queryAll(ctx, s.db, scanJob, q, args...)
	if err != nil {
		return nil, fmt.Errorf("listing jobs: %w", err)
	}
	return jobs, nil
}
