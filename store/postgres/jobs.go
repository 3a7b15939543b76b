package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/csocbot/csocbot/store"
)

// jobsChannel is the LISTEN/NOTIFY channel every transaction that queues a
// job notifies; see ListenJobs.
const jobsChannel = "csocbot_jobs"

// notifyQueued tells the listeners that a job was queued, when tx commits.
func notifyQueued(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_notify('`+jobsChannel+`', '')`)
	return err
}

// reclaimedMessage is the LastError of a job ReclaimExpired queues again.
const reclaimedMessage = "its worker's lease ended (the process stopped or lost the database); queued again"

const jobColumns = `id, kind, key, payload, state, attempts, run_after, created_at, updated_at, worker, lease_until, last_error`

func scanJob(row pgx.Row) (store.Job, error) {
	var (
		j          store.Job
		payload    *string
		leaseUntil *time.Time
	)
	err := row.Scan(&j.ID, &j.Kind, &j.Key, &payload, &j.State, &j.Attempts,
		&j.RunAfter, &j.CreatedAt, &j.UpdatedAt, &j.Worker, &leaseUntil, &j.LastError)
	if err != nil {
		return store.Job{}, err
	}
	if payload != nil {
		j.Payload = json.RawMessage(*payload)
	}
	if leaseUntil != nil {
		j.LeaseUntil = leaseUntil.UTC()
	}
	j.RunAfter, j.CreatedAt, j.UpdatedAt = j.RunAfter.UTC(), j.CreatedAt.UTC(), j.UpdatedAt.UTC()
	return j, nil
}

// jobRow is scanJob for collectAll.
func jobRow(row pgx.CollectableRow) (store.Job, error) { return scanJob(row) }

// nullJSON is how an optional JSON value is stored: NULL when empty.
func nullJSON(v []byte) *string {
	if len(v) == 0 {
		return nil
	}
	s := string(v)
	return &s
}

// jobKeyLockClass is the first key of the advisory locks lockKey takes,
// the hash of a job key being the second. PostgreSQL keeps the two-key
// locks apart from the one-key (bigint) locks the audit log and the
// migrations take (auditLock, migrationLock), so none of these collide;
// two job keys may share a hash, which only makes them wait for each
// other.
const jobKeyLockClass = 0x63736f63 // "csoc"

// lockKey takes the advisory lock of a job key until tx ends. Every
// transaction that adds a job superseding others of its key takes it
// first: under read committed, two of them would otherwise each miss the
// other's uncommitted job, and both jobs would stay active. It is a
// statement of its own, so that the supersede, a later statement, reads
// what the previous holder committed.
func lockKey(ctx context.Context, tx pgx.Tx, key string) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, int32(jobKeyLockClass), key); err != nil {
		return fmt.Errorf("waiting for the lock of job key %s: %w", key, err)
	}
	return nil
}

func (s *Store) insertJob(ctx context.Context, tx pgx.Tx, job store.NewJob) (store.Job, error) {
	if err := job.Validate(); err != nil {
		return store.Job{}, err
	}
	now := s.clock()
	runAfter := now
	if !job.RunAfter.IsZero() {
		runAfter = job.RunAfter.UTC().Truncate(time.Microsecond)
	}
	if job.Supersedes != "" {
		if err := lockKey(ctx, tx, job.Key); err != nil {
			return store.Job{}, err
		}
	}
	j, err := scanJob(tx.QueryRow(ctx, `
		INSERT INTO jobs (kind, key, payload, state, run_after, created_at, updated_at)
		VALUES ($1, $2, $3, 'queued', $4, $5, $5)
		RETURNING `+jobColumns,
		job.Kind, job.Key, nullJSON(job.Payload), runAfter, now))
	if err != nil {
		return store.Job{}, err
	}
	if job.Supersedes != "" {
		_, err = tx.Exec(ctx, `
			UPDATE jobs SET state = 'superseded', updated_at = $1
			WHERE key = $2 AND kind = $3 AND id <> $4 AND state IN ('queued', 'running')`,
			now, job.Key, job.Supersedes, j.ID)
		if err != nil {
			return store.Job{}, err
		}
	}
	return j, notifyQueued(ctx, tx)
}

func (s *Store) Enqueue(ctx context.Context, job store.NewJob) (store.Job, error) {
	var j store.Job
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		j, err = s.insertJob(ctx, tx, job)
		return err
	})
	if err != nil {
		return store.Job{}, fmt.Errorf("enqueueing a %s job for %s: %w", job.Kind, job.Key, err)
	}
	return j, nil
}

// recordDelivery records a new delivery and its job in one statement, so
// one round trip to the database: the delivery's row takes the job's id
// from the jobs' sequence, the job is inserted with it, its key's other
// active jobs are superseded (after lockKey, see RecordDelivery), and
// idle workers are notified. It returns no row when the delivery was
// recorded before, or by another process meanwhile (the insert waits for
// that one to commit, then does nothing). The deliveries' foreign key is
// checked at the end of the statement, once the job is there.
const recordDelivery = `
	WITH d AS (
		INSERT INTO deliveries (id, job_id, received_at)
		VALUES ($1, nextval(pg_get_serial_sequence('jobs', 'id')), $2)
		ON CONFLICT (id) DO NOTHING
		RETURNING job_id),
	j AS (
		INSERT INTO jobs (id, kind, key, payload, state, run_after, created_at, updated_at)
		OVERRIDING SYSTEM VALUE
		SELECT job_id, $3, $4, $5, 'queued', $6, $2, $2 FROM d
		RETURNING ` + jobColumns + `),
	superseded AS (
		UPDATE jobs SET state = 'superseded', updated_at = $2
		WHERE $7 <> '' AND key = $4 AND kind = $7 AND id <> (SELECT job_id FROM d)
		AND state IN ('queued', 'running')),
	notified AS (
		SELECT pg_notify('` + jobsChannel + `', '') FROM d)
	SELECT j.* FROM j CROSS JOIN (SELECT count(*) FROM notified) AS n`

// RecordDelivery records a new delivery in one statement (see
// recordDelivery), preceded, in the same transaction, by lockKey when the
// job supersedes others; for one seen before it reads the job that one
// enqueued.
func (s *Store) RecordDelivery(ctx context.Context, deliveryID string, job store.NewJob) (store.Job, bool, error) {
	if deliveryID == "" {
		// Recording it would make every later delivery without an id a
		// duplicate of this one.
		return store.Job{}, false, errors.New("recording a delivery: no delivery id")
	}
	if err := job.Validate(); err != nil {
		return store.Job{}, false, fmt.Errorf("recording delivery %s: %w", deliveryID, err)
	}
	now := s.clock()
	runAfter := now
	if !job.RunAfter.IsZero() {
		runAfter = job.RunAfter.UTC().Truncate(time.Microsecond)
	}
	for {
		args := []any{deliveryID, now, job.Kind, job.Key, nullJSON(job.Payload), runAfter, job.Supersedes}
		var (
			j   store.Job
			err error
		)
		if job.Supersedes == "" {
			j, err = scanJob(s.pool.QueryRow(ctx, recordDelivery, args...))
		} else {
			err = s.tx(ctx, func(tx pgx.Tx) (err error) {
				if err := lockKey(ctx, tx, job.Key); err != nil {
					return err
				}
				j, err = scanJob(tx.QueryRow(ctx, recordDelivery, args...))
				return err
			})
		}
		if err == nil {
			return j, true, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return store.Job{}, false, fmt.Errorf("recording delivery %s: %w", deliveryID, err)
		}
		j, err = scanJob(s.pool.QueryRow(ctx, `
			SELECT `+jobColumns+` FROM jobs
			WHERE id = (SELECT job_id FROM deliveries WHERE id = $1)`, deliveryID))
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			continue // pruned in between: a new delivery again
		case err != nil:
			return store.Job{}, false, fmt.Errorf("recording delivery %s: %w", deliveryID, err)
		}
		return j, false, nil
	}
}

// claimAttempts bounds how many times Claim tries again after losing a
// race for an apply's key to another process.
const claimAttempts = 10

// Claim locks the job it takes with FOR UPDATE SKIP LOCKED, so that
// processes claiming at once take different jobs without waiting for each
// other. Two processes may still each pick an apply of the same key, each
// seeing no apply of it running; the unique index jobs_one_running_apply
// fails the second's update, and that one tries again, now seeing the
// first's apply running.
func (s *Store) Claim(ctx context.Context, worker string, lease time.Duration, kinds ...store.Kind) (store.Job, bool, error) {
	if err := store.CheckLease(lease); err != nil {
		return store.Job{}, false, fmt.Errorf("claiming a job for %s: %w", worker, err)
	}
	var kindFilter string
	if len(kinds) > 0 {
		kindFilter = ` AND kind = ANY($4)`
	}
	query := `
		UPDATE jobs SET state = 'running', worker = $1, lease_until = $2, attempts = attempts + 1, updated_at = $3
		WHERE id = (
			SELECT id FROM jobs AS q
			WHERE state = 'queued' AND run_after <= $3` + kindFilter + `
			AND (kind <> 'apply' OR NOT EXISTS (
				SELECT 1 FROM jobs AS r WHERE r.state = 'running' AND r.kind = 'apply' AND r.key = q.key))
			ORDER BY id LIMIT 1
			FOR UPDATE SKIP LOCKED)
		RETURNING ` + jobColumns
	for attempt := 1; ; attempt++ {
		now := s.clock()
		args := []any{worker, now.Add(lease), now}
		if len(kinds) > 0 {
			args = append(args, kindStrings(kinds))
		}
		j, err := scanJob(s.pool.QueryRow(ctx, query, args...))
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return store.Job{}, false, nil
		case isUniqueViolation(err, "jobs_one_running_apply") && attempt < claimAttempts:
			continue
		case err != nil:
			return store.Job{}, false, fmt.Errorf("claiming a job for %s: %w", worker, err)
		}
		return j, true, nil
	}
}

func kindStrings(kinds []store.Kind) []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = string(k)
	}
	return out
}

// running locks a job's row and reads its kind and attempts when worker
// runs it, or explains why it is not running for worker.
func running(ctx context.Context, tx pgx.Tx, id int64, worker string) (kind store.Kind, attempts int, err error) {
	var (
		state store.JobState
		owner string
	)
	err = tx.QueryRow(ctx, `SELECT kind, state, attempts, worker FROM jobs WHERE id = $1 FOR UPDATE`, id).Scan(&kind, &state, &attempts, &owner)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
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
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, _, err := running(ctx, tx, id, worker); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE jobs SET state = 'done', updated_at = $1 WHERE id = $2`, s.clock(), id)
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
	err := s.tx(ctx, func(tx pgx.Tx) error {
		kind, attempts, err := running(ctx, tx, id, worker)
		if err != nil {
			return err
		}
		now := s.clock()
		next, runAfter := store.JobFailed, (*time.Time)(nil)
		if kind.RetrySafe() && attempts < store.MaxAttempts {
			t := now.Add(store.Backoff(attempts))
			next, runAfter = store.JobQueued, &t
		}
		j, err = scanJob(tx.QueryRow(ctx, `
			UPDATE jobs SET state = $1, run_after = coalesce($2, run_after), last_error = $3, updated_at = $4
			WHERE id = $5
			RETURNING `+jobColumns, next, runAfter, lastError, now, id))
		if err != nil || next != store.JobQueued {
			return err
		}
		return notifyQueued(ctx, tx)
	})
	if err != nil {
		return store.Job{}, fmt.Errorf("failing job %d: %w", id, err)
	}
	return j, nil
}

func (s *Store) Release(ctx context.Context, id int64, worker string) (bool, error) {
	var released bool
	err := s.tx(ctx, func(tx pgx.Tx) error {
		kind, _, err := running(ctx, tx, id, worker)
		if err != nil || !kind.RetrySafe() {
			return err
		}
		// The attempt is not counted: the job did not fail.
		_, err = tx.Exec(ctx, `
			UPDATE jobs SET state = 'queued', attempts = greatest(attempts - 1, 0), updated_at = $1 WHERE id = $2`, s.clock(), id)
		if err != nil {
			return err
		}
		released = true
		return notifyQueued(ctx, tx)
	})
	if err != nil {
		return false, fmt.Errorf("releasing job %d: %w", id, err)
	}
	return released, nil
}

func (s *Store) RecoverAfterRestart(ctx context.Context) ([]store.Job, error) {
	failed, err := collectAll(ctx, s.pool, jobRow, `
		WITH failed AS (
			UPDATE jobs SET state = 'failed', last_error = $1, updated_at = $2 WHERE state = 'running'
			RETURNING `+jobColumns+`)
		SELECT `+jobColumns+` FROM failed ORDER BY id`, store.InterruptedMessage, s.clock())
	if err != nil {
		return nil, fmt.Errorf("recovering the jobs running when csocbot last stopped: %w", err)
	}
	if len(failed) > 0 {
		s.log.InfoContext(ctx, "store: failed the jobs running when csocbot last stopped", "jobs", len(failed))
	}
	return failed, nil
}

func (s *Store) RenewLeases(ctx context.Context, worker string, lease time.Duration, ids ...int64) ([]int64, error) {
	if err := store.CheckLease(lease); err != nil {
		return nil, fmt.Errorf("renewing the leases of %s: %w", worker, err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	renewed, err := collectAll(ctx, s.pool, pgx.RowTo[int64], `
		UPDATE jobs SET lease_until = $1
		WHERE worker = $2 AND state = 'running' AND id = ANY($3)
		RETURNING id`, s.clock().Add(lease), worker, ids)
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

// ReclaimExpired decides each expired job's fate in Go, as Fail does, so
// that which kinds are retried stays [store.Kind.RetrySafe]'s to say. It
// locks the jobs it reclaims, skipping those another process is
// reclaiming (or its worker completing) at the same moment.
func (s *Store) ReclaimExpired(ctx context.Context) ([]store.Job, error) {
	var failed []store.Job
	err := s.tx(ctx, func(tx pgx.Tx) error {
		failed = nil
		now := s.clock()
		expired, err := collectAll(ctx, tx, jobRow, `
			SELECT `+jobColumns+` FROM jobs
			WHERE state = 'running' AND lease_until < $1
			ORDER BY id
			FOR UPDATE SKIP LOCKED`, now)
		if err != nil {
			return err
		}
		requeued := 0
		for _, j := range expired {
			if j.Kind.RetrySafe() && j.Attempts < store.MaxAttempts {
				_, err = tx.Exec(ctx, `
					UPDATE jobs SET state = 'queued', run_after = $1, last_error = $2, updated_at = $1 WHERE id = $3`,
					now, reclaimedMessage, j.ID)
				if err != nil {
					return err
				}
				requeued++
				continue
			}
			j, err = scanJob(tx.QueryRow(ctx, `
				UPDATE jobs SET state = 'failed', last_error = $1, updated_at = $2 WHERE id = $3
				RETURNING `+jobColumns, store.InterruptedMessage, now, j.ID))
			if err != nil {
				return err
			}
			failed = append(failed, j)
		}
		if len(expired) > 0 {
			s.log.InfoContext(ctx, "store: reclaimed the jobs whose lease ended", "jobs", len(expired), "failed", len(failed))
		}
		if requeued > 0 {
			return notifyQueued(ctx, tx)
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
// another holder leads. PostgreSQL's upsert is atomic, so two processes
// taking over an ended lease at once cannot both win.
func (s *Store) Lead(ctx context.Context, role, holder string, lease time.Duration) (bool, error) {
	if err := store.CheckLease(lease); err != nil {
		return false, fmt.Errorf("leading %s as %s: %w", role, holder, err)
	}
	now := s.clock()
	err := s.pool.QueryRow(ctx, `
		INSERT INTO leaders (role, holder, lease_until) VALUES ($1, $2, $3)
		ON CONFLICT (role) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
		WHERE leaders.holder = excluded.holder OR leaders.lease_until < $4
		RETURNING 1`, role, holder, now.Add(lease), now).Scan(new(int))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("leading %s as %s: %w", role, holder, err)
	}
	return true, nil
}

func (s *Store) Resign(ctx context.Context, role, holder string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM leaders WHERE role = $1 AND holder = $2`, role, holder); err != nil {
		return fmt.Errorf("resigning %s as %s: %w", role, holder, err)
	}
	return nil
}

func (s *Store) GetJob(ctx context.Context, id int64) (store.Job, error) {
	j, err := scanJob(s.pool.QueryRow(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
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
		args = append(args, filter.Key)
		where = append(where, `key = $`+strconv.Itoa(len(args)))
	}
	if len(filter.States) > 0 {
		states := make([]string, len(filter.States))
		for i, st := range filter.States {
			states[i] = string(st)
		}
		args = append(args, states)
		where = append(where, `state = ANY($`+strconv.Itoa(len(args))+`)`)
	}
	q := `SELECT ` + jobColumns + ` FROM jobs`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY id DESC`
	if filter.Limit > 0 {
		args = append(args, filter.Limit)
		q += ` LIMIT $` + strconv.Itoa(len(args))
	}
	jobs, err := collectAll(ctx, s.pool, jobRow, q, args...)
	if err != nil {
		return nil, fmt.Errorf("listing jobs: %w", err)
	}
	return jobs, nil
}
