package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	goslack "github.com/slack-go/slack"
)

// Options configure a Client. Zero fields take the defaults in
// parentheses.
type Options struct {
	APIURL      string       // Slack's Web API (https://slack.com/api/)
	HTTPClient  *http.Client // (http.DefaultClient)
	Logger      *slog.Logger // (discards)
	MaxAttempts int          // tries of one call in all, retries included (5)
	// Sleep waits between attempts (a timer that ctx cuts short); tests
	// replace it to see the waits without waiting.
	Sleep func(context.Context, time.Duration) error
}

// Retry bounds: back-off after a server or network error doubles from
// baseDelay up to maxDelay; a rate limit longer than maxRetryAfter is not
// waited for (the caller's outbox sends the message later instead).
const (
	baseDelay     = time.Second
	maxDelay      = 30 * time.Second
	maxRetryAfter = 2 * time.Minute
)

// Client posts and edits messages with a bot token.
type Client struct {
	api         *goslack.Client
	log         *slog.Logger
	maxAttempts int
	sleep       func(context.Context, time.Duration) error
}

// New returns a Client for the bot token.
func New(token string, o Options) *Client {
	var opts []goslack.Option
	if o.APIURL != "" {
		// slack-go appends method names to the URL as is.
		opts = append(opts, goslack.OptionAPIURL(strings.TrimSuffix(o.APIURL, "/")+"/"))
	}
	if o.HTTPClient != nil {
		opts = append(opts, goslack.OptionHTTPClient(o.HTTPClient))
	}
	c := &Client{api: goslack.New(token, opts...), log: o.Logger, maxAttempts: o.MaxAttempts, sleep: o.Sleep}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.maxAttempts <= 0 {
		c.maxAttempts = 5
	}
	if c.sleep == nil {
		c.sleep = sleep
	}
	return c
}

// Post posts m to channel (a name or an id), in the thread threadTS
// unless it is "", also to the channel itself when broadcast, and returns
// the channel's id and the message's ts: editing a message needs the id.
func (c *Client) Post(ctx context.Context, channel, threadTS string, m Message, broadcast bool) (channelID, ts string, err error) {
	opts := msgOptions(m)
	opts = append(opts, goslack.MsgOptionDisableLinkUnfurl(), goslack.MsgOptionDisableMediaUnfurl())
	if threadTS != "" {
		opts = append(opts, goslack.MsgOptionTS(threadTS))
		if broadcast {
			opts = append(opts, goslack.MsgOptionBroadcast())
		}
	}
	err = c.call(ctx, "post to", channel, m, func() (err error) {
		channelID, ts, err = c.api.PostMessageContext(ctx, channel, opts...)
		return err
	})
	return channelID, ts, err
}

// Update replaces the message ts in channel with m.
func (c *Client) Update(ctx context.Context, channel, ts string, m Message) error {
	return c.call(ctx, "update a message in", channel, m, func() error {
		_, _, _, err := c.api.UpdateMessageContext(ctx, channel, ts, msgOptions(m)...)
		return err
	})
}

func msgOptions(m Message) []goslack.MsgOption {
	return []goslack.MsgOption{goslack.MsgOptionText(m.Text, false), goslack.MsgOptionBlocks(m.Blocks...)}
}

// call checks m for secrets, then runs send until it succeeds, fails for
// good, or has been tried maxAttempts times.
func (c *Client) call(ctx context.Context, what, channel string, m Message, send func() error) error {
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("slack: %s channel %s: encode the message: %w", what, channel, err)
	}
	if err := CheckSecrets(string(body)); err != nil {
		c.log.Error("refused to send a Slack message", "channel", channel, "error", err)
		return fmt.Errorf("slack: %s channel %s: %w", what, channel, err)
	}
	for attempt := 1; ; attempt++ {
		err := send()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("slack: %s channel %s: %w", what, channel, ctx.Err())
		}
		wait, retry, why := retryWait(err, attempt)
		if !retry {
			return fmt.Errorf("slack: %s channel %s: %w%s", what, channel, err, why)
		}
		if attempt >= c.maxAttempts {
			return fmt.Errorf("slack: %s channel %s failed after %d attempts: %w", what, channel, attempt, err)
		}
		c.log.Warn("Slack call failed; retrying", "channel", channel, "attempt", attempt, "wait", wait, "error", err)
		if err := c.sleep(ctx, wait); err != nil {
			return fmt.Errorf("slack: %s channel %s: %w", what, channel, err)
		}
	}
}

// Slack answers these with HTTP 200 and ok=false, yet they pass.
var transientAPIErrors = []string{"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}

// retryWait says whether err is worth another attempt and after how
// long; why explains a refusal to wait.
func retryWait(err error, attempt int) (wait time.Duration, retry bool, why string) {
	var limited *goslack.RateLimitedError
	var status goslack.StatusCodeError
	var apiErr goslack.SlackErrorResponse
	var netErr net.Error
	switch {
	case errors.As(err, &limited):
		if limited.RetryAfter > maxRetryAfter {
			return 0, false, fmt.Sprintf(" (longer than the %s csocbot waits; try again later)", maxRetryAfter)
		}
		return max(limited.RetryAfter, time.Second), true, ""
	case errors.As(err, &status):
		return backoff(attempt), status.Retryable(), ""
	case errors.As(err, &apiErr):
		for _, e := range transientAPIErrors {
			if apiErr.Err == e {
				return backoff(attempt), true, ""
			}
		}
		return 0, false, ""
	case errors.As(err, &netErr):
		return backoff(attempt), true, ""
	}
	return 0, false, ""
}

// backoff is the wait before retry number attempt (from 1).
func backoff(attempt int) time.Duration {
	if attempt > 6 {
		return maxDelay
	}
	return min(baseDelay<<(attempt-1), maxDelay)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
