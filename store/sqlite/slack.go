package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/csocbot/csocbot/store"
)

func (s *Store) SlackThread(ctx context.Context, repo string, pr int, channel string) (store.SlackThread, bool, error) {
	th := store.SlackThread{Repo: repo, PR: pr, Channel: channel}
	var updated string
	err := s.db.QueryRowContext(ctx, `
		SELECT channel_id, ts, state, updated_at FROM slack_threads WHERE repo = ? AND pr = ? AND channel = ?`,
		repo, pr, channel).Scan(&th.ChannelID, &th.TS, &th.State, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return store.SlackThread{}, false, nil
	}
	if err == nil {
		th.UpdatedAt, err = parseTime(updated)
	}
	if err != nil {
		return store.SlackThread{}, false, fmt.Errorf("reading the Slack thread of %s#%d in %s: %w", repo, pr, channel, err)
	}
	return th, true, nil
}

func (s *Store) SaveSlackThread(ctx context.Context, th store.SlackThread) error {
	err := th.Validate()
	if err == nil {
		err = s.write(ctx, func(tx *sql.Tx) error {
			_, now := s.clock()
			_, err := tx.ExecContext(ctx, `
				INSERT INTO slack_threads (repo, pr, channel, channel_id, ts, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (repo, pr, channel) DO UPDATE SET
					channel_id = excluded.channel_id, ts = excluded.ts, state = excluded.state, updated_at = excluded.updated_at`,
				th.Repo, th.PR, th.Channel, store.CleanText(th.ChannelID), store.CleanText(th.TS), store.CleanText(th.State), now)
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("saving the Slack thread of %s#%d in %s: %w", th.Repo, th.PR, th.Channel, err)
	}
	return nil
}

const slackDeliveryColumns = `id, repo, pr, channel, event, attempts, next_attempt, delivered_at, last_error, created_at`

func scanSlackDelivery(row scanner) (store.SlackDelivery, error) {
	var (
		d             store.SlackDelivery
		event         string
		next, created string
		delivered     sql.NullString
	)
	err := row.Scan(&d.ID, &d.Repo, &d.PR, &d.Channel, &event, &d.Attempts, &next, &delivered, &d.LastError, &created)
	if err != nil {
		return store.SlackDelivery{}, err
	}
	d.Event = json.RawMessage(event)
	if d.NextAttempt, err = parseTime(next); err != nil {
		return store.SlackDelivery{}, err
	}
	if d.CreatedAt, err = parseTime(created); err != nil {
		return store.SlackDelivery{}, err
	}
	if delivered.Valid {
		if d.DeliveredAt, err = parseTime(delivered.String); err != nil {
			return store.SlackDelivery{}, err
		}
	}
	return d, nil
}

func (s *Store) EnqueueSlack(ctx context.Context, d store.SlackDelivery) (store.SlackDelivery, error) {
	err := d.Validate()
	var out store.SlackDelivery
	if err == nil {
		err = s.write(ctx, func(tx *sql.Tx) (err error) {
			_, now := s.clock()
			next := now
			if !d.NextAttempt.IsZero() {
				next = formatTime(d.NextAttempt)
			}
			out, err = scanSlackDelivery(tx.QueryRowContext(ctx, `
				INSERT INTO slack_deliveries (repo, pr, channel, event, next_attempt, created_at)
				VALUES (?, ?, ?, ?, ?, ?)
				RETURNING `+slackDeliveryColumns,
				d.Repo, d.PR, d.Channel, string(d.Event), next, now))
			return err
		})
	}
	if err != nil {
		return store.SlackDelivery{}, fmt.Errorf("queueing a Slack message for %s#%d in %s: %w", d.Repo, d.PR, d.Channel, err)
	}
	return out, nil
}

func (s *Store) DueSlackDeliveries(ctx context.Context, now time.Time, limit int) ([]store.SlackDelivery, error) {
	q, args := selectWhere(slackDeliveryColumns, "slack_deliveries",
		[]string{`delivered_at IS NULL`, `next_attempt <= ?`}, "id", limit, []any{formatTime(now)})
	due, err := queryAll(ctx, s.db, scanSlackDelivery, q, args...)
	if err != nil {
		return nil, fmt.Errorf("reading the Slack messages due: %w", err)
	}
	return due, nil
}

func (s *Store) MarkSlackDelivered(ctx context.Context, id int64, at time.Time) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		// coalesce keeps the first delivery's time.
		res, err := tx.ExecContext(ctx, `
			UPDATE slack_deliveries SET delivered_at = coalesce(delivered_at, ?) WHERE id = ?`, formatTime(at), id)
		if err != nil {
			return err
		}
		return affectedOne(res)
	})
	if err != nil {
		return fmt.Errorf("marking Slack message %d delivered: %w", id, err)
	}
	return nil
}

func (s *Store) RetrySlackDelivery(ctx context.Context, id int64, next time.Time, lastError string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE slack_deliveries SET attempts = attempts + 1, next_attempt = ?, last_error = ?
			WHERE id = ? AND delivered_at IS NULL`, formatTime(next), store.CleanText(lastError), id)
		if err != nil {
			return err
		}
		if err := affectedOne(res); !errors.Is(err, store.ErrNotFound) {
			return err
		}
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM slack_deliveries WHERE id = ?)`, id).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return fmt.Errorf("%w: it was delivered already", store.ErrNotFound)
		}
		return store.ErrNotFound
	})
	if err != nil {
		return fmt.Errorf("recording a failed attempt of Slack message %d: %w", id, err)
	}
	return nil
}

// affectedOne turns an UPDATE of one row by id that changed none into
// [store.ErrNotFound].
func affectedOne(res sql.Result) error {
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}

func (s *Store) SlackDeliveryCounts(ctx context.Context) (pending, failedAttempts int, err error) {
	err = s.db.QueryRowContext(ctx, `
		SELECT count(*), coalesce(sum(attempts), 0) FROM slack_deliveries WHERE delivered_at IS NULL`).Scan(&pending, &failedAttempts)
	if err != nil {
		return 0, 0, fmt.Errorf("counting the pending Slack messages: %w", err)
	}
	return pending, failedAttempts, nil
}
