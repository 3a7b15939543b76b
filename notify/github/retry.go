package github

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy bounds how a request is retried. Zero fields take the
// defaults in parentheses.
type RetryPolicy struct {
	// MaxAttempts is how many times a request is tried in all (5).
	MaxAttempts int
	// BaseDelay is the wait before retrying a server error or network
	// failure the first time, doubled each time after, with jitter (1s).
	BaseDelay time.Duration
	// MaxDelay caps one such wait (30s).
	MaxDelay time.Duration
	// MaxRateLimitWait is the longest wait for a rate limit to lift (2m),
	// whether GitHub answers it or an earlier answer used it up. A limit
	// that lasts longer fails the request with *RateLimitError at once.
	MaxRateLimitWait time.Duration
	// SecondaryRateLimitWait is the wait after a secondary rate limit that
	// does not say how long to wait (1m, as GitHub advises).
	SecondaryRateLimitWait time.Duration
	// MaxElapsed bounds a request's attempts and waits together (3m).
	MaxElapsed time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	set := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 5
	}
	set(&p.BaseDelay, time.Second)
	set(&p.MaxDelay, 30*time.Second)
	set(&p.MaxRateLimitWait, 2*time.Minute)
	set(&p.SecondaryRateLimitWait, time.Minute)
	set(&p.MaxElapsed, 3*time.Minute)
	return p
}

// heldBackBuffer is how long after a primary rate limit's reset go-github
// sends a request it held back.
const heldBackBuffer = time.Second

// refusesWait says why csocbot does not wait for a primary rate limit that
// lifts at reset, or returns "" when it waits: when the limit lifts within
// MaxRateLimitWait and before ctx's deadline.
func (p RetryPolicy) refusesWait(ctx context.Context, reset time.Time) string {
	wait := time.Until(reset)
	if wait > p.MaxRateLimitWait {
		return fmt.Sprintf("which is longer than the %s csocbot waits for a rate limit", p.MaxRateLimitWait)
	}
	if d, ok := ctx.Deadline(); ok && time.Now().Add(wait+heldBackBuffer).After(d) {
		return "which is past the request's deadline"
	}
	return ""
}

// backoff is the jittered wait before retry number attempt (from 1): half
// the exponential delay plus a random part of the other half.
func (p RetryPolicy) backoff(attempt int) time.Duration {
	d := p.MaxDelay
	if attempt < 32 {
		d = min(p.BaseDelay<<(attempt-1), p.MaxDelay)
	}
	return d/2 + rand.N(d/2+1)
}

// RateLimitError reports a GitHub rate limit csocbot did not wait out,
// because it lasts longer than the policy or the request's deadline allows.
// Retry after Reset.
type RateLimitError struct {
	// Secondary is true for a secondary (abuse) rate limit, false for the
	// hourly primary one.
	Secondary bool
	// Reset is when GitHub should accept requests again.
	Reset time.Time
	// Wait is how long that was from when GitHub answered.
	Wait time.Duration
	// Why is why csocbot did not wait.
	Why string
}

func (e *RateLimitError) Error() string {
	kind := "primary"
	if e.Secondary {
		kind = "secondary"
	}
	return fmt.Sprintf("GitHub's %s rate limit lifts in %s (at %s), %s; retry later",
		kind, e.Wait.Round(time.Second), e.Reset.UTC().Format(time.RFC3339), e.Why)
}

// retryTransport sends a request, waits out rate limits and retries server
// errors and network failures, within its policy and the request's context.
// It bounds each attempt by timeout.
type retryTransport struct {
	next    http.RoundTripper
	policy  RetryPolicy
	timeout time.Duration
	log     *slog.Logger
}

// verdict is what to do about an attempt's outcome.
type verdict struct {
	retry     bool
	wait      time.Duration
	limited   bool // by a rate limit
	secondary bool // by a secondary rate limit
	why       string
}

// RoundTrip sends req as the policy allows and notes the sending and a
// failure for the call it belongs to (see call).
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	noteSent(req.Context())
	resp, err := t.roundTrip(req)
	if err != nil {
		noteFailure(req.Context(), req, err)
	}
	return resp, err
}

func (t *retryTransport) roundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	start := time.Now()
	deadline, bound := start.Add(t.policy.MaxElapsed), fmt.Sprintf("the %s a request may take", t.policy.MaxElapsed)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline, bound = d, "the request's deadline"
	}
	rewindable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil

	for attempt := 1; ; attempt++ {
		r := req
		if attempt > 1 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, fmt.Errorf("rewinding the request body: %w", err)
			}
			r = req.Clone(ctx)
			r.Body = body
		}
		resp, err := t.try(r)
		if err != nil && ctx.Err() != nil {
			return nil, err
		}
		v := t.judge(resp, err, attempt)
		if !v.retry || !rewindable {
			return resp, err
		}

		// Give up when out of attempts, or when the wait is longer than
		// rate limits are waited for or than the time left.
		now := time.Now()
		var stop, limitWhy string
		switch {
		case attempt >= t.policy.MaxAttempts:
			stop = fmt.Sprintf("after %d attempts", attempt)
			limitWhy = "still limited " + stop
		case v.limited && v.wait > t.policy.MaxRateLimitWait:
			limitWhy = fmt.Sprintf("which is longer than the %s csocbot waits for a rate limit", t.policy.MaxRateLimitWait)
		case now.Add(v.wait).After(deadline):
			stop = "past " + bound
			limitWhy = "which is " + stop
		}
		if v.limited && limitWhy != "" {
			discard(resp)
			return nil, &RateLimitError{Secondary: v.secondary, Reset: now.Add(v.wait), Wait: v.wait, Why: limitWhy}
		}
		if stop != "" {
			if err != nil {
				return nil, fmt.Errorf("giving up %s: %w", stop, err)
			}
			t.log.LogAttrs(ctx, slog.LevelWarn, "GitHub request failed; giving up",
				slog.String("method", req.Method), slog.String("path", req.URL.Path),
				slog.Int("attempt", attempt), slog.String("reason", v.why), slog.String("stop", stop))
			return resp, nil
		}

		discard(resp)
		t.log.LogAttrs(ctx, slog.LevelWarn, "GitHub request failed; retrying",
			slog.String("method", req.Method), slog.String("path", req.URL.Path),
			slog.Int("attempt", attempt), slog.String("reason", v.why), slog.Duration("wait", v.wait))
		timer := time.NewTimer(v.wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, fmt.Errorf("waiting %s to retry (%s): %w", v.wait, v.why, context.Cause(ctx))
		case <-timer.C:
		}
		if !v.limited {
			if err := checkLanded(ctx); err != nil {
				return nil, err
			}
		}
	}
}

// landedKey is the context key of a request's landedCheck.
type landedKey struct{}

// A landedCheck reports whether a write took effect. After a server error
// or a lost connection GitHub may have made the write all the same, and
// sending it again would make it twice (a comment posted three times), so
// the transport asks the request's check before each retry. A rate limit
// refused the request, so retrying it needs no check.
type landedCheck func(ctx context.Context) (bool, error)

// errLanded ends the retries of a write its landedCheck found made.
var errLanded = errors.New("GitHub made the write despite answering an error")

// withLandedCheck returns ctx with check for the transport to ask.
func withLandedCheck(ctx context.Context, check landedCheck) context.Context {
	return context.WithValue(ctx, landedKey{}, check)
}

// checkLanded asks the request's landedCheck, if it has one, whether the
// failed attempt took effect; it returns errLanded when it did.
func checkLanded(ctx context.Context) error {
	check, _ := ctx.Value(landedKey{}).(landedCheck)
	if check == nil {
		return nil
	}
	// The check's own requests must not ask it again.
	landed, err := check(withLandedCheck(ctx, nil))
	switch {
	case err != nil:
		return fmt.Errorf("not retrying: could not tell whether the failed attempt took effect: %w", err)
	case landed:
		return errLanded
	}
	return nil
}

// try makes one attempt within the attempt timeout, which keeps running
// until the response body is closed.
func (t *retryTransport) try(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	began := time.Now()
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		attemptTimedOut := ctx.Err() != nil && req.Context().Err() == nil
		cancel()
		if attemptTimedOut {
			err = fmt.Errorf("no response within %s: %w", t.timeout, err)
		}
		t.log.LogAttrs(req.Context(), slog.LevelDebug, "GitHub request",
			slog.String("method", req.Method), slog.String("path", req.URL.Path), slog.String("error", err.Error()))
		return nil, err
	}
	t.log.LogAttrs(req.Context(), slog.LevelDebug, "GitHub request",
		slog.String("method", req.Method), slog.String("path", req.URL.Path),
		slog.Int("status", resp.StatusCode), slog.Duration("took", time.Since(began)))
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// judge decides whether and when to retry after an attempt, following
// GitHub's advice on rate limits: wait for Retry-After if given, else
// until X-RateLimit-Reset if X-RateLimit-Remaining is 0, else a minute for
// a secondary limit.
func (t *retryTransport) judge(resp *http.Response, err error, attempt int) verdict {
	if err != nil {
		return verdict{retry: true, wait: t.policy.backoff(attempt), why: err.Error()}
	}
	status := resp.Status
	switch code := resp.StatusCode; code {
	case http.StatusForbidden, http.StatusTooManyRequests:
		if wait, ok := retryAfter(resp.Header); ok {
			return verdict{retry: true, wait: wait, limited: true, secondary: true, why: status + ": secondary rate limit"}
		}
		if resp.Header.Get("X-RateLimit-Remaining") == "0" {
			if wait, ok := untilReset(resp.Header); ok {
				return verdict{retry: true, wait: wait, limited: true, why: status + ": rate limit"}
			}
		}
		if code == http.StatusTooManyRequests || mentionsSecondaryLimit(resp) {
			return verdict{retry: true, wait: t.policy.SecondaryRateLimitWait, limited: true, secondary: true, why: status + ": secondary rate limit"}
		}
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		wait, ok := retryAfter(resp.Header)
		if !ok {
			wait = t.policy.backoff(attempt)
		}
		return verdict{retry: true, wait: wait, why: status}
	}
	return verdict{}
}

// retryAfter parses a Retry-After header, in seconds or an HTTP date.
func retryAfter(h http.Header) (time.Duration, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(0, at.Sub(serverNow(h))), true
	}
	return 0, false
}

// untilReset is how long until X-RateLimit-Reset, by GitHub's clock where
// the response has a Date.
func untilReset(h http.Header) (time.Duration, bool) {
	reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64)
	if err != nil {
		return 0, false
	}
	return max(0, time.Unix(reset, 0).Sub(serverNow(h))), true
}

// serverNow is the response's Date, or the local time without one. Date
// has whole seconds, so waits measured from it err on the long side.
func serverNow(h http.Header) time.Time {
	if at, err := http.ParseTime(h.Get("Date")); err == nil {
		return at
	}
	return time.Now()
}

// mentionsSecondaryLimit reports whether a 403 response's message says it
// is a secondary rate limit, which GitHub may send without Retry-After. It
// leaves the body readable.
func mentionsSecondaryLimit(resp *http.Response) bool {
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	msg := strings.ToLower(string(head))
	return strings.Contains(msg, "secondary rate limit") || strings.Contains(msg, "abuse detection")
}

// discard drains and closes a response about to be retried, so that its
// connection can be reused.
func discard(resp *http.Response) {
	if resp == nil {
		return
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
}

// maxResponse bounds a response body csocbot reads.
const maxResponse = 32 << 20

// cancelOnClose is an attempt's response body. It reads at most
// maxResponse bytes, and when closed it reads what is left (go-github stops
// at the end of the JSON), so that the connection can be reused, and ends
// the attempt's context.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
	read   int64
}

func (b *cancelOnClose) Read(p []byte) (int, error) {
	if b.read >= maxResponse {
		return 0, fmt.Errorf("the response is larger than %d MiB", maxResponse>>20)
	}
	if left := maxResponse - b.read; int64(len(p)) > left {
		p = p[:left]
	}
	n, err := b.ReadCloser.Read(p)
	b.read += int64(n)
	return n, err
}

func (b *cancelOnClose) Close() error {
	io.Copy(io.Discard, io.LimitReader(b.ReadCloser, maxErrorBody))
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
