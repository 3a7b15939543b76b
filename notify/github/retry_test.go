package github_test

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/csocbot/csocbot/internal/fakegithub"
	"github.com/csocbot/csocbot/notify/github"
)

const prPath = "/repos/Codertocat/Hello-World/pulls/2"

func TestRetry(t *testing.T) {
	getPR := func(ctx context.Context, e *env) error {
		_, err := e.client.PullRequest(ctx, e.repo, e.pr)
		return err
	}
	tests := []struct {
		name    string
		faults  []fakegithub.Fault
		options func(*github.Options)
		timeout time.Duration // of the call's context, if any
		cancel  time.Duration // cancel the call's context after this, if set
		// wantErr is part of the error; empty for success.
		wantErr string
		// wantStatuses are the statuses the fake answered, in order.
		wantStatuses []int
		// the call takes at least minTook and less than maxTook.
		minTook, maxTook time.Duration
	}{
		{
			name:         "server errors, then success",
			faults:       []fakegithub.Fault{fakegithub.ServerError(502, 2).On("GET", prPath)},
			wantStatuses: []int{502, 502, 200},
		},
		{
			name:         "server errors at every attempt",
			faults:       []fakegithub.Fault{fakegithub.ServerError(503, 10)},
			wantErr:      "GET " + prPath + ": 503 Service Unavailable",
			wantStatuses: []int{503, 503, 503, 503},
		},
		{
			name:         "a 503 with Retry-After",
			faults:       []fakegithub.Fault{{Times: 1, Status: 503, Header: map[string][]string{"Retry-After": {"1"}}}},
			wantStatuses: []int{503, 200},
			minTook:      time.Second,
		},
		{
			name:         "dropped connection, then success",
			faults:       []fakegithub.Fault{fakegithub.DropConnection(1)},
			wantStatuses: []int{0, 200},
		},
		{
			name:         "dropped connection at every attempt",
			faults:       []fakegithub.Fault{fakegithub.DropConnection(10)},
			wantErr:      "GET " + prPath + ": giving up after 4 attempts: EOF",
			wantStatuses: []int{0, 0, 0, 0},
		},
		{
			name:         "an attempt times out",
			faults:       []fakegithub.Fault{fakegithub.Delay(1, 5*time.Second)},
			options:      func(o *github.Options) { o.Timeout = 200 * time.Millisecond },
			wantStatuses: []int{0, 200},
			maxTook:      2 * time.Second,
		},
		{
			name:         "secondary rate limit",
			faults:       []fakegithub.Fault{fakegithub.SecondaryRateLimit(1, time.Second)},
			wantStatuses: []int{403, 200},
			minTook:      time.Second,
		},
		{
			name:         "primary rate limit",
			faults:       []fakegithub.Fault{fakegithub.PrimaryRateLimit(1, time.Second)},
			wantStatuses: []int{403, 200},
			minTook:      time.Second,
		},
		{
			name:         "429 without advice waits the secondary default",
			faults:       []fakegithub.Fault{{Times: 2, Status: 429}},
			wantStatuses: []int{429, 429, 200},
			minTook:      40 * time.Millisecond,
		},
		{
			name: "403 saying secondary rate limit waits the secondary default",
			faults: []fakegithub.Fault{{Times: 1, Status: 403,
				Body: `{"message":"You have exceeded a secondary rate limit and have been temporarily blocked from content creation."}`}},
			wantStatuses: []int{403, 200},
			minTook:      20 * time.Millisecond,
		},
		{
			name:         "403 for permissions is not retried",
			faults:       []fakegithub.Fault{{Times: 1, Status: 403, Body: `{"message":"Resource not accessible by integration"}`}},
			wantErr:      "403 Forbidden: Resource not accessible by integration",
			wantStatuses: []int{403},
		},
		{
			name:         "404 is not retried",
			faults:       []fakegithub.Fault{{Times: 1, Status: 404, Body: `{"message":"Not Found"}`}},
			wantErr:      "404 Not Found",
			wantStatuses: []int{404},
		},
		{
			name:         "primary rate limit longer than the policy waits",
			faults:       []fakegithub.Fault{fakegithub.PrimaryRateLimit(1, time.Hour)},
			wantErr:      "GitHub's primary rate limit lifts in 1h0m",
			wantStatuses: []int{403},
			maxTook:      time.Second,
		},
		{
			name:         "secondary rate limit past the context's deadline",
			faults:       []fakegithub.Fault{fakegithub.SecondaryRateLimit(1, 3*time.Second)},
			timeout:      time.Second,
			wantErr:      "GitHub's secondary rate limit lifts in 3s (at ", // then: which is past the request's deadline
			wantStatuses: []int{403},
			maxTook:      500 * time.Millisecond,
		},
		{
			name:         "rate limited at every attempt",
			faults:       []fakegithub.Fault{{Times: 10, Status: 429}},
			wantErr:      "still limited after 4 attempts; retry later",
			wantStatuses: []int{429, 429, 429, 429},
		},
		{
			name:   "backoff past the time a request may take",
			faults: []fakegithub.Fault{fakegithub.ServerError(502, 10)},
			options: func(o *github.Options) {
				o.Retry.BaseDelay, o.Retry.MaxDelay, o.Retry.MaxElapsed = time.Second, time.Second, 100*time.Millisecond
			},
			wantErr:      "502 Bad Gateway",
			wantStatuses: []int{502},
			maxTook:      500 * time.Millisecond,
		},
		{
			name:         "cancelled while waiting",
			faults:       []fakegithub.Fault{fakegithub.SecondaryRateLimit(1, 3*time.Second)},
			cancel:       100 * time.Millisecond,
			wantErr:      "waiting 3s to retry (403 Forbidden: secondary rate limit): context canceled",
			wantStatuses: []int{403},
			maxTook:      time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var opts []func(*github.Options)
			if tt.options != nil {
				opts = append(opts, tt.options)
			}
			e := newEnv(t, opts...)
			for _, f := range tt.faults {
				e.fake.Inject(f)
			}
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			if tt.cancel > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				time.AfterFunc(tt.cancel, cancel)
			}

			start := time.Now()
			err := getPR(ctx, e)
			took := time.Since(start)

			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("error = %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error = %v, want one saying %q", err, tt.wantErr)
			}
			var got []int
			for _, c := range e.fake.Calls() {
				got = append(got, c.Status)
			}
			if !reflect.DeepEqual(got, tt.wantStatuses) {
				t.Errorf("the fake answered %v, want %v", got, tt.wantStatuses)
			}
			if took < tt.minTook || (tt.maxTook > 0 && took >= tt.maxTook) {
				t.Errorf("the call took %s, want at least %s and less than %s", took, tt.minTook, tt.maxTook)
			}
		})
	}
}

func TestRateLimitError(t *testing.T) {
	e := newEnv(t)
	e.fake.Inject(fakegithub.PrimaryRateLimit(1, 30*time.Minute))
	_, err := e.client.PullRequest(context.Background(), e.repo, e.pr)
	rl, ok := errors.AsType[*github.RateLimitError](err)
	if !ok {
		t.Fatalf("error %v is not a *RateLimitError", err)
	}
	if rl.Secondary || rl.Wait < 29*time.Minute || rl.Wait > 31*time.Minute || time.Until(rl.Reset) < 29*time.Minute {
		t.Errorf("RateLimitError = %+v, want a primary limit lifting in about 30m", rl)
	}
	if want := "which is longer than the 5s csocbot waits for a rate limit; retry later"; !strings.HasSuffix(err.Error(), want) {
		t.Errorf("error %q does not end %q", err, want)
	}
}

func TestRetryReplaysBody(t *testing.T) {
	e := newEnv(t)
	path := "/repos/Codertocat/Hello-World/issues/2/comments"
	e.fake.Inject(fakegithub.ServerError(502, 1).On("POST", path))
	e.fake.Inject(fakegithub.SecondaryRateLimit(1, time.Second).On("POST", path))
	body := planMarker + "\n" + strings.Repeat("plan line\n", 1000)
	if _, err := e.client.CreateComment(context.Background(), e.repo, e.pr, body); err != nil {
		t.Fatal(err)
	}
	calls := callsTo(e.fake.Calls(), "POST", path)
	if len(calls) != 3 {
		t.Fatalf("%d calls, want 3", len(calls))
	}
	for i, c := range calls {
		if !strings.Contains(string(c.Body), "plan line") || len(c.Body) != len(calls[0].Body) {
			t.Errorf("attempt %d sent %d bytes, want the body again", i+1, len(c.Body))
		}
	}
	if got := e.fake.Comments(e.repo.String(), e.pr); len(got) != 1 || !strings.HasPrefix(got[0].Body, body+"\n") {
		t.Errorf("comments = %d, want the one comment with the body", len(got))
	}
}

// TestPrimaryLimitUsedUp checks a request after an answer that used up
// the primary rate limit: go-github holds it back until the limit lifts,
// and csocbot has it wait rather than fail, within the retry policy's
// MaxRateLimitWait and the request's context.
func TestPrimaryLimitUsedUp(t *testing.T) {
	usedUp := func(reset time.Time) fakegithub.Fault {
		return fakegithub.Fault{Times: 1, Status: 200, Body: `{"number":2}`, Header: map[string][]string{
			"X-RateLimit-Limit":     {"5000"},
			"X-RateLimit-Remaining": {"0"},
			"X-RateLimit-Reset":     {strconv.FormatInt(reset.Unix(), 10)},
		}}
	}
	t.Run("waits for the reset", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		reset := time.Now().Add(1500 * time.Millisecond)
		e.fake.Inject(usedUp(reset))
		for range 2 {
			if _, err := e.client.PullRequest(context.Background(), e.repo, e.pr); err != nil {
				t.Fatal(err)
			}
		}
		calls := e.fake.Calls()
		if len(calls) != 2 {
			t.Fatalf("%d calls, want 2", len(calls))
		}
		if now := time.Now(); now.Unix() < reset.Unix() {
			t.Errorf("the second call was sent at %s, before the reset at %s", now, time.Unix(reset.Unix(), 0))
		}
	})
	t.Run("within the context", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.fake.Inject(usedUp(time.Now().Add(time.Hour)))
		if _, err := e.client.PullRequest(context.Background(), e.repo, e.pr); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := e.client.PullRequest(ctx, e.repo, e.pr)
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("the call took %s, want it to end with its context", took)
		}
		rl, ok := errors.AsType[*github.RateLimitError](err)
		if !ok || rl.Secondary || rl.Wait < 59*time.Minute || !strings.Contains(err.Error(), "GET "+prPath+": GitHub's primary rate limit lifts in") {
			t.Errorf("error = %v, want a primary *RateLimitError lifting in about 1h", err)
		}
		if n := len(e.fake.Calls()); n != 1 {
			t.Errorf("%d calls, want 1: the second must not be sent", n)
		}
	})
	// A limit lifting later than the policy waits fails at once, whatever
	// the context's deadline, rather than hold the caller until the reset.
	for _, tc := range []struct {
		name    string
		reset   time.Duration
		timeout time.Duration // none when 0
		why     string
	}{
		{"no deadline", time.Hour, 0, "which is longer than the 5s csocbot waits for a rate limit"},
		{"a later deadline", time.Hour, 2 * time.Hour, "which is longer than the 5s csocbot waits for a rate limit"},
		{"an earlier deadline", 3 * time.Second, time.Second, "which is past the request's deadline"},
	} {
		t.Run("fails at once with "+tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.fake.Inject(usedUp(time.Now().Add(tc.reset)))
			if _, err := e.client.PullRequest(context.Background(), e.repo, e.pr); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}
			start := time.Now()
			_, err := e.client.PullRequest(ctx, e.repo, e.pr)
			if took := time.Since(start); took > 500*time.Millisecond {
				t.Errorf("the call took %s, want it to fail at once", took)
			}
			rl, ok := errors.AsType[*github.RateLimitError](err)
			if !ok || rl.Secondary || rl.Wait < tc.reset-5*time.Second || rl.Why != tc.why ||
				!strings.Contains(err.Error(), "GET "+prPath+": GitHub's primary rate limit lifts in") {
				t.Errorf("error = %v, want a primary *RateLimitError lifting in about %s, %s", err, tc.reset, tc.why)
			}
			if n := len(e.fake.Calls()); n != 1 {
				t.Errorf("%d calls, want 1: the second must not be sent", n)
			}
		})
	}
}
