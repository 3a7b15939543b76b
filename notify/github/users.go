package github

import (
	"context"
	"fmt"
)

// Login returns the login of the user the client authenticates as, for
// token authentication: csocbot ignores commands in its own comments. An
// App installation is no user (GitHub answers 403); its comments come from
// "<app>[bot]", which the webhook marks as a bot.
func (c *APIClient) Login(ctx context.Context) (string, error) {
	var u wireUser
	if _, err := c.do(ctx, "GET", "user", nil, &u); err != nil {
		return "", fmt.Errorf("github: read the authenticated user: %w", err)
	}
	return u.Login, nil
}
