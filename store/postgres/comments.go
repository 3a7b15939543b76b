package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/csocbot/csocbot/store"
)

func (s *Store) RecordComment(ctx context.Context, c store.Comment) error {
	err := c.Validate()
	if err == nil {
		_, err = s.pool.Exec(ctx, `
			INSERT INTO comments (comment_id, repo, pr, kind, head_sha, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (comment_id) DO UPDATE SET kind = excluded.kind, head_sha = excluded.head_sha`,
			c.CommentID, c.Repo, c.PR, string(c.Kind), c.HeadSHA, s.clock())
	}
	if err != nil {
		return fmt.Errorf("recording comment %d on %s#%d: %w", c.CommentID, c.Repo, c.PR, err)
	}
	return nil
}

func (s *Store) Comments(ctx context.Context, repo string, pr int) ([]store.Comment, error) {
	comments, err := collectAll(ctx, s.pool, scanComment, `
		SELECT repo, pr, comment_id, kind, head_sha, created_at FROM comments
		WHERE repo = $1 AND pr = $2
		ORDER BY created_at, comment_id`, repo, pr)
	if err != nil {
		return nil, fmt.Errorf("reading the comments on %s#%d: %w", repo, pr, err)
	}
	return comments, nil
}

func scanComment(row pgx.CollectableRow) (store.Comment, error) {
	var c store.Comment
	if err := row.Scan(&c.Repo, &c.PR, &c.CommentID, &c.Kind, &c.HeadSHA, &c.CreatedAt); err != nil {
		return store.Comment{}, err
	}
	c.CreatedAt = c.CreatedAt.UTC()
	return c, nil
}
