package github

import (
	"context"
	"fmt"

	gh "github.com/google/go-github/v62/github"
)

// Login returns the login of the user the client authenticates as, for
// token authentication: csocbot ignores commands in its own comments. An
// App installation is no user (GitHub answers 403); its comments come from
// "<app>[bot]", which the webhook marks as a bot.
func (c *APIClient) Login(ctx context.Context) (string, error) {
	u, _, err := call(ctx, c.policy, func(ctx context.Context) (*gh.User, *gh.Response, error) {
		return c.gh.Users.Get(ctx, "")
	})
	if err != nil {
		return "", fmt.Errorf("github: read the authenticated user: %w", err)
	}
	return u.GetLogin(), nil
}
