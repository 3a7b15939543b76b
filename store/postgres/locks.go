package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/csocbot/csocbot/store"
)

const lockColumns = `repo, unit, workspace, pr, head_sha, holder, acquired_at`

func scanLock(row pgx.CollectableRow) (store.Lock, error) {
	var l store.Lock
	if err := row.Scan(&l.Repo, &l.Unit, &l.Workspace, &l.PR, &l.HeadSHA, &l.Holder, &l.Acquired); err != nil {
		return store.Lock{}, err
	}
	l.Acquired = l.Acquired.UTC()
	return l, nil
}

// TryLock inserts the lock, or updates it when l.PR holds it, in one
// statement: the primary key on (repo, unit, workspace) makes a second
// holder impossible, and an insert racing another waits for it to end. A
// statement that returns nothing found the lock held by another pull
// request, and left its row locked until the transaction ends, so the read
// that follows finds that holder; should it find none all the same, the
// lock was released in between, and TryLock tries again.
func (s *Store) TryLock(ctx context.Context, l store.Lock) (store.Lock, bool, error) {
	var (
		out   store.Lock
		taken bool
	)
	err := l.Validate()
	if err == nil {
		err = s.tx(ctx, func(tx pgx.Tx) error {
			now := s.clock()
			for {
				var err error
				out, err = collectOne(ctx, tx, scanLock, `
					INSERT INTO locks (repo, unit, workspace, pr, head_sha, holder, acquired_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7)
					ON CONFLICT (repo, unit, workspace) DO UPDATE SET
						head_sha = excluded.head_sha,
						holder = excluded.holder
					WHERE locks.pr = excluded.pr
					RETURNING `+lockColumns,
					l.Repo, l.Unit, l.Workspace, l.PR, l.HeadSHA, l.Holder, now)
				if err == nil {
					taken = true
					return nil
				}
				if !errors.Is(err, pgx.ErrNoRows) {
					return err
				}
				out, err = collectOne(ctx, tx, scanLock, `
					SELECT `+lockColumns+` FROM locks WHERE repo = $1 AND unit = $2 AND workspace = $3`,
					l.Repo, l.Unit, l.Workspace)
				if !errors.Is(err, pgx.ErrNoRows) {
					return err
				}
			}
		})
	}
	if err != nil {
		return store.Lock{}, false, fmt.Errorf("locking %s for %s#%d: %w", l.Name(), l.Repo, l.PR, err)
	}
	return out, taken, nil
}

func (s *Store) Unlock(ctx context.Context, repo string, pr int, units ...string) ([]store.Lock, error) {
	del, args := `DELETE FROM locks WHERE repo = $1 AND pr = $2`, []any{repo, pr}
	if len(units) > 0 {
		del += ` AND unit = ANY($3)`
		args = append(args, units)
	}
	// DELETE ... RETURNING promises no order; the query around it sorts.
	released, err := collectAll(ctx, s.pool, scanLock, `
		WITH released AS (`+del+` RETURNING `+lockColumns+`)
		SELECT `+lockColumns+` FROM released ORDER BY unit, workspace`, args...)
	if err != nil {
		return nil, fmt.Errorf("releasing the locks of %s#%d: %w", repo, pr, err)
	}
	return released, nil
}

func (s *Store) ForceUnlock(ctx context.Context, repo, unit, workspace string) (store.Lock, bool, error) {
	l, err := collectOne(ctx, s.pool, scanLock, `
		DELETE FROM locks WHERE repo = $1 AND unit = $2 AND workspace = $3
		RETURNING `+lockColumns, repo, unit, workspace)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return store.Lock{}, false, nil
	case err != nil:
		return store.Lock{}, false, fmt.Errorf("releasing the lock of %s in %s: %w", store.Lock{Unit: unit, Workspace: workspace}.Name(), repo, err)
	}
	return l, true, nil
}

func (s *Store) Locks(ctx context.Context, repo string) ([]store.Lock, error) {
	q, args := `SELECT `+lockColumns+` FROM locks`, []any{}
	if repo != "" {
		q += ` WHERE repo = $1`
		args = append(args, repo)
	}
	locks, err := collectAll(ctx, s.pool, scanLock, q+` ORDER BY repo, unit, workspace`, args...)
	if err != nil {
		if repo == "" {
			return nil, fmt.Errorf("listing the locks: %w", err)
		}
		return nil, fmt.Errorf("listing the locks in %s: %w", repo, err)
	}
	return locks, nil
}
