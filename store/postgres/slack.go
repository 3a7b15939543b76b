package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/csocbot/csocbot/store"
)

func (s *Store) SlackThread(ctx context.Context, repo string, pr int, channel string) (store.SlackThread, bool, error) {
	th := store.SlackThread{Repo: repo, PR: pr, Channel: channel}
	err := s.pool.QueryRow(ctx, `
		SELECT channel_id, ts, state, updated_at FROM slack_threads WHERE repo = $1 AND pr = $2 AND channel = $3`,
		repo, pr, channel).Scan(&th.ChannelID, &th.TS, &th.State, &th.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.SlackThread{}, false, nil
	}
	if err != nil {
		return store.SlackThread{}, false, fmt.Errorf("reading the Slack thread of %s#%d in %s: %w", repo, pr, channel, err)
	}
	th.UpdatedAt = th.UpdatedAt.UTC()
	return th, true, nil
}

func (s *Store) SaveSlackThread(ctx context.Context, th store.SlackThread) error {
	err := th.Validate()
	if err == nil {
		_, err = s.pool.Exec(ctx, `
			INSERT INTO slack_threads (repo, pr, channel, channel_id, ts, state, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (repo, pr, channel) DO UPDATE SET
				channel_id = excluded.channel_id, ts = excluded.ts, state = excluded.state, updated_at = excluded.updated_at`,
			th.Repo, th.PR, th.Channel, store.CleanText(th.ChannelID), store.CleanText(th.TS), store.CleanText(th.State), s.clock())
	}
	if err != nil {
		return fmt.Errorf("saving the Slack thread of %s#%d in %s: %w", th.Repo, th.PR, th.Channel, err)
	}
	return nil
}

const slackDeliveryColumns = `id, repo, pr, channel, event, attempts, next_attempt, delivered_at, last_error, created_at`

func scanSlackDelivery(row pgx.CollectableRow) (store.SlackDelivery, error) {
	var (
		d         store.SlackDelivery
		event     string
		delivered *time.Time
	)
	err := row.Scan(&d.ID, &d.Repo, &d.PR, &d.Channel, &event, &d.Attempts, &d.NextAttempt, &delivered, &d.LastError, &d.CreatedAt)
	if err != nil {
		return store.SlackDelivery{}, err
	}
	d.Event = json.RawMessage(event)
	d.NextAttempt, d.CreatedAt = d.NextAttempt.UTC(), d.CreatedAt.UTC()
	if delivered != nil {
		d.DeliveredAt = delivered.UTC()
	}
	return d, nil
}

func (s *Store) EnqueueSlack(ctx context.Context, d store.SlackDelivery) (store.SlackDelivery, error) {
	err := d.Validate()
	var out store.SlackDelivery
	if err == nil {
		now := s.clock()
		next := now
		if !d.NextAttempt.IsZero() {
			next = utcMicros(d.NextAttempt)
		}
		out, err = collectOne(ctx, s.pool, scanSlackDelivery, `
			INSERT INTO slack_deliveries (repo, pr, channel, event, next_attempt, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			RETURNING `+slackDeliveryColumns,
			d.Repo, d.PR, d.Channel, string(d.Event), next, now)
	}
	if err != nil {
		return store.SlackDelivery{}, fmt.Errorf("queueing a Slack message for %s#%d in %s: %w", d.Repo, d.PR, d.Channel, err)
	}
	return out, nil
}

func (s *Store) DueSlackDeliveries(ctx context.Context, now time.Time, limit int) ([]store.SlackDelivery, error) {
	q, args := `SELECT `+slackDeliveryColumns+` FROM slack_deliveries
		WHERE delivered_at IS NULL AND next_attempt <= $1 ORDER BY id`, []any{utcMicros(now)}
	if limit > 0 {
		q += ` LIMIT $2`
		args = append(args, limit)
	}
	due, err := collectAll(ctx, s.pool, scanSlackDelivery, q, args...)
	if err != nil {
		return nil, fmt.Errorf("reading the Slack messages due: %w", err)
	}
	return due, nil
}

func (s *Store) MarkSlackDelivered(ctx context.Context, id int64, at time.Time) error {
	// coalesce keeps the first delivery's time.
	tag, err := s.pool.Exec(ctx, `
		UPDATE slack_deliveries SET delivered_at = coalesce(delivered_at, $1) WHERE id = $2`, utcMicros(at), id)
	if err == nil && tag.RowsAffected() == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("marking Slack message %d delivered: %w", id, err)
	}
	return nil
}

func (s *Store) RetrySlackDelivery(ctx context.Context, id int64, next time.Time, lastError string) error {
	// One statement both updates a pending delivery and says whether the
	// id exists, so that a delivery marked delivered in between is not
	// taken for an unknown one.
	var updated, exists bool
	err := s.pool.QueryRow(ctx, `
		WITH retried AS (
			UPDATE slack_deliveries SET attempts = attempts + 1, next_attempt = $1, last_error = $2
			WHERE id = $3 AND delivered_at IS NULL
			RETURNING id
		)
		SELECT EXISTS (SELECT 1 FROM retried), EXISTS (SELECT 1 FROM slack_deliveries WHERE id = $3)`,
		utcMicros(next), store.CleanText(lastError), id).Scan(&updated, &exists)
	switch {
	case err != nil:
	case !updated && exists:
		err = fmt.Errorf("%w: it was delivered already", store.ErrNotFound)
	case !updated:
		err = store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("recording a failed attempt of Slack message %d: %w", id, err)
	}
	return nil
}

func (s *Store) SlackDeliveryCounts(ctx context.Context) (pending, failedAttempts int, err error) {
	err = s.pool.QueryRow(ctx, `
		SELECT count(*), coalesce(sum(attempts), 0)::bigint FROM slack_deliveries WHERE delivered_at IS NULL`).Scan(&pending, &failedAttempts)
	if err != nil {
		return 0, 0, fmt.Errorf("counting the pending Slack messages: %w", err)
	}
	return pending, failedAttempts, nil
}
