package github

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestSameHostRedirect(t *testing.T) {
	from, _ := http.NewRequest("GET", "https://api.github.com/repos/old/name/pulls/2", nil)
	tests := []struct {
		to   string
		want bool
	}{
		{"https://api.github.com/repositories/1/pulls/2", true},
		{"https://example.com/repos/old/name/pulls/2", false},
		{"http://api.github.com/repositories/1/pulls/2", false},
	}
	for _, tt := range tests {
		to, _ := http.NewRequest("GET", tt.to, nil)
		if err := sameHostRedirect(to, []*http.Request{from}); (err == nil) != tt.want {
			t.Errorf("redirect to %s: %v, want allowed %v", tt.to, err, tt.want)
		}
	}
}

func TestEndpoints(t *testing.T) {
	tests := []struct {
		name          string
		opts          Options
		rest, graphQL string
	}{
		{"github.com", Options{}, "https://api.github.com/", "https://api.github.com/graphql"},
		{"enterprise host", Options{EnterpriseURL: "https://ghe.example.com"}, "https://ghe.example.com/api/v3/", "https://ghe.example.com/api/graphql"},
		{"enterprise API root", Options{EnterpriseURL: "https://ghe.example.com/api/v3"}, "https://ghe.example.com/api/v3/", "https://ghe.example.com/api/graphql"},
		{"enterprise under a path", Options{EnterpriseURL: "https://example.com/github/"}, "https://example.com/github/api/v3/", "https://example.com/github/api/graphql"},
		{"base URL", Options{BaseURL: "http://127.0.0.1:8080"}, "http://127.0.0.1:8080/", "http://127.0.0.1:8080/graphql"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rest, graphQL, err := endpoints(tt.opts)
			if err != nil || rest.String() != tt.rest || graphQL.String() != tt.graphQL {
				t.Errorf("endpoints() = %v, %v, %v; want %s, %s", rest, graphQL, err, tt.rest, tt.graphQL)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	p := RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}.withDefaults()
	tests := []struct {
		attempt int
		max     time.Duration
	}{
		{1, 100 * time.Millisecond},
		{2, 200 * time.Millisecond},
		{4, 800 * time.Millisecond},
		{5, time.Second},
		{64, time.Second},
	}
	for _, tt := range tests {
		for range 100 {
			if d := p.backoff(tt.attempt); d < tt.max/2 || d > tt.max {
				t.Fatalf("backoff(%d) = %s, want within [%s, %s]", tt.attempt, d, tt.max/2, tt.max)
			}
		}
	}
}

func TestRetryAfter(t *testing.T) {
	date := "Mon, 23 Nov 2026 10:00:00 GMT"
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
		ok     bool
	}{
		{"seconds", http.Header{"Retry-After": {"60"}}, time.Minute, true},
		{"HTTP date, by the server's clock", http.Header{"Retry-After": {"Mon, 23 Nov 2026 10:00:30 GMT"}, "Date": {date}}, 30 * time.Second, true},
		{"date in the past", http.Header{"Retry-After": {"Mon, 23 Nov 2026 09:00:00 GMT"}, "Date": {date}}, 0, true},
		{"absent", http.Header{}, 0, false},
		{"garbage", http.Header{"Retry-After": {"soon"}}, 0, false},
		{"negative", http.Header{"Retry-After": {"-5"}}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := retryAfter(tt.header)
			if got != tt.want || ok != tt.ok {
				t.Errorf("retryAfter() = %s, %v; want %s, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly ten", 11, "exactly ten"},
		{"one word too many", 10, "one word…"},
		{"ééééééé", 5, "éééé…"},
	}
	for _, tt := range tests {
		if got := truncate(tt.s, tt.n); got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}

func TestAPIError(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"message", 404, `{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}`,
			"POST /repos/o/r/issues/1/comments: 404 Not Found"},
		{"validation errors", 422, `{"message":"Validation Failed","errors":[` +
			`{"resource":"IssueComment","code":"custom","field":"body","message":"body is too long (maximum is 65536 characters)"},` +
			`{"resource":"IssueComment","code":"missing_field","field":"title"},` +
			`"plain string"]}`,
			"POST /repos/o/r/issues/1/comments: 422 Unprocessable Entity: Validation Failed (body is too long (maximum is 65536 characters); title missing_field; plain string)"},
		{"not JSON", 502, `<html>Bad Gateway</html>`,
			"POST /repos/o/r/issues/1/comments: 502 Bad Gateway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", "https://api.github.com/repos/o/r/issues/1/comments?x=1", nil)
			resp := &http.Response{StatusCode: tt.status, Body: io.NopCloser(strings.NewReader(tt.body))}
			if got := newAPIError(req, resp).Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

// zeros reads zero bytes forever.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestResponseBound(t *testing.T) {
	cancelled := false
	b := &cancelOnClose{ReadCloser: io.NopCloser(io.LimitReader(zeros{}, maxResponse+1)), cancel: func() { cancelled = true }}
	n, err := io.Copy(io.Discard, b)
	if n != maxResponse || err == nil || !strings.Contains(err.Error(), "the response is larger than 32 MiB") {
		t.Errorf("read %d bytes, %v; want %d and an error saying the response is too large", n, err, maxResponse)
	}
	if b.Close(); !cancelled {
		t.Error("closing the body did not end the attempt")
	}
}
