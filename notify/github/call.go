package github

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	gh "github.com/google/go-github/v62/github"
)

const (
	// perPage is the page size csocbot asks for, GitHub's largest.
	perPage = 100
	// maxPages bounds a listing, against a server that never stops.
	maxPages = 100
	// maxErrorBody bounds an error response body csocbot reads.
	maxErrorBody = 64 << 10
)

// APIError is an error response from GitHub.
type APIError struct {
	Method     string
	Path       string // the request's URL path, without the query
	StatusCode int
	// Message is GitHub's message, such as "Not Found" or "Validation
	// Failed".
	Message string
	// Details are the messages of the response's errors list, which
	// explain validation failures.
	Details []string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" && e.Message != http.StatusText(e.StatusCode) {
		b.WriteString(": " + e.Message)
	}
	if len(e.Details) > 0 {
		b.WriteString(" (" + strings.Join(e.Details, "; ") + ")")
	}
	return b.String()
}

// newAPIError reads an error response. go-github's ErrorResponse parses
// its errors list only when every entry is an object, and says its
// request's full URL, so csocbot reads the body (which go-github leaves
// readable) itself.
func newAPIError(req *http.Request, resp *http.Response) *APIError {
	e := &APIError{Method: req.Method, Path: req.URL.Path, StatusCode: resp.StatusCode}
	var body struct {
		Message string            `json:"message"`
		Errors  []json.RawMessage `json:"errors"`
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if json.Unmarshal(data, &body) != nil {
		return e
	}
	e.Message = body.Message
	for _, raw := range body.Errors {
		// An entry is an object, usually with a message, or a string.
		var entry struct{ Field, Code, Message string }
		var s string
		switch {
		case json.Unmarshal(raw, &entry) != nil:
			if json.Unmarshal(raw, &s) == nil {
				e.Details = append(e.Details, s)
			}
		case entry.Message != "":
			e.Details = append(e.Details, entry.Message)
		case entry.Field != "":
			e.Details = append(e.Details, entry.Field+" "+entry.Code)
		}
	}
	return e
}

// isNotFound reports whether err is GitHub's 404.
func isNotFound(err error) bool {
	e, ok := errors.AsType[*APIError](err)
	return ok && e.StatusCode == http.StatusNotFound
}

// notesKey is the context key of a call's *notes.
type notesKey struct{}

// notes are what the retrying transport tells a call of its requests:
// whether one was sent (go-github holds a request back, sending nothing,
// while an earlier answer's primary rate limit is used up), and the last
// error the transport returned (go-github answers the bare context error
// when the context has ended, which would hide what csocbot was waiting
// for).
type notes struct {
	sent         bool
	method, path string
	err          error
}

// noteSent records that the call ctx belongs to sent a request.
func noteSent(ctx context.Context) {
	if n, ok := ctx.Value(notesKey{}).(*notes); ok {
		n.sent = true
	}
}

// noteFailure records err as the last failure of the call ctx belongs to.
func noteFailure(ctx context.Context, req *http.Request, err error) {
	if n, ok := ctx.Value(notesKey{}).(*notes); ok {
		n.method, n.path, n.err = req.Method, req.URL.Path, err
	}
}

// call runs one go-github request within policy. When go-github holds the
// request back because an earlier answer used up the primary rate limit,
// call has it wait for the limit to lift and send it then, if the limit
// lifts within the policy's MaxRateLimitWait and the context's deadline,
// and otherwise fails at once rather than sleep until the reset (up to an
// hour) without asking GitHub. The retrying transport underneath waits out
// the limits GitHub answers. call turns go-github's errors into csocbot's:
// *APIError for an error response, *RateLimitError for a limit, and
// "METHOD /path: why" for a request that got no answer.
func call[T any](ctx context.Context, policy RetryPolicy, fn func(context.Context) (T, *gh.Response, error)) (T, *gh.Response, error) {
	n := &notes{}
	ctx = context.WithValue(ctx, notesKey{}, n)
	v, resp, err := fn(ctx)
	if e, ok := errors.AsType[*gh.RateLimitError](err); ok && !n.sent && policy.refusesWait(ctx, e.Rate.Reset.Time) == "" {
		v, resp, err = fn(context.WithValue(ctx, gh.SleepUntilPrimaryRateLimitResetWhenRateLimited, true))
	}
	if err != nil {
		err = explain(ctx, policy, err, n)
	}
	return v, resp, err
}

// do sends a request made with the client's NewRequest and decodes a
// successful response into out (if not nil).
func (c *APIClient) do(ctx context.Context, req *http.Request, out any) error {
	_, _, err := call(ctx, c.policy, func(ctx context.Context) (any, *gh.Response, error) {
		resp, err := c.gh.Do(ctx, req, out)
		return nil, resp, err
	})
	return err
}

// explain turns an error of go-github into csocbot's.
func explain(ctx context.Context, policy RetryPolicy, err error, last *notes) error {
	if e, ok := errors.AsType[*gh.RateLimitError](err); ok && e.Response != nil && e.Response.Request != nil {
		// go-github did not send the request, or waited once already.
		req, reset := e.Response.Request, e.Rate.Reset.Time
		why := "which is past the request's deadline"
		if ctx.Err() == nil {
			why = cmp.Or(policy.refusesWait(ctx, reset), "still limited after waiting for it")
		}
		return fmt.Errorf("%s %s: %w", req.Method, req.URL.Path,
			&RateLimitError{Reset: reset, Wait: max(0, time.Until(reset)), Why: why})
	}
	if e, ok := errors.AsType[*gh.AbuseRateLimitError](err); ok && e.Response != nil && e.Response.Request != nil {
		return newAPIError(e.Response.Request, e.Response)
	}
	if e, ok := errors.AsType[*gh.ErrorResponse](err); ok && e.Response != nil && e.Response.Request != nil {
		return newAPIError(e.Response.Request, e.Response)
	}
	if e, ok := errors.AsType[*url.Error](err); ok {
		// http.Client's error repeats the whole URL; say it as the API
		// errors do.
		path := e.URL
		if u, perr := url.Parse(e.URL); perr == nil {
			path = u.Path
		}
		return fmt.Errorf("%s %s: %w", strings.ToUpper(e.Op), path, e.Err)
	}
	if ctx.Err() != nil && last.err != nil {
		return fmt.Errorf("%s %s: %w", last.method, last.path, last.err)
	}
	return err
}

// listAll fetches every page of a listing within policy, fetch getting
// one page.
func listAll[T any](ctx context.Context, policy RetryPolicy, fetch func(context.Context, *gh.ListOptions) ([]T, *gh.Response, error)) ([]T, error) {
	opts := &gh.ListOptions{PerPage: perPage}
	var all []T
	for pages := 0; ; pages++ {
		if pages == maxPages {
			return nil, fmt.Errorf("more than %d pages", maxPages)
		}
		page, resp, err := call(ctx, policy, func(ctx context.Context) ([]T, *gh.Response, error) {
			return fetch(ctx, opts)
		})
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if resp.NextPage == 0 {
			return all, nil
		}
		opts.Page = resp.NextPage
	}
}
