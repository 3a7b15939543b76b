package repocache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/transport"
)

func TestRedact(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		token    string
		want     string
		wantKind error
	}{
		{"no token in the message", fmt.Errorf("fetch: %w", context.Canceled), testToken, "fetch: context canceled", context.Canceled},
		{"no token at all", errors.New("fetch: " + testToken), "", "fetch: " + testToken, nil},
		{
			name:     "token in a URL",
			err:      fmt.Errorf("get https://x-access-token:%s@example.com: %w", testToken, transport.ErrAuthorizationFailed),
			token:    testToken,
			want:     "get https://x-access-token:[REDACTED]@example.com: authorization failed",
			wantKind: transport.ErrAuthorizationFailed,
		},
		{
			name:     "token twice, cancelled",
			err:      fmt.Errorf("%s %s: %w", testToken, testToken, context.Canceled),
			token:    testToken,
			want:     "[REDACTED] [REDACTED]: context canceled",
			wantKind: context.Canceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := redact(tt.err, tt.token)
			if err.Error() != tt.want {
				t.Errorf("redact = %q, want %q", err, tt.want)
			}
			if tt.wantKind != nil && !errors.Is(err, tt.wantKind) {
				t.Errorf("redact(%q) is not %v", err, tt.wantKind)
			}
			if tt.token == "" {
				return
			}
			// Nothing in the chain may still hold the token.
			for q := []error{err}; len(q) > 0; q = q[1:] {
				if strings.Contains(q[0].Error(), tt.token) {
					t.Errorf("the error chain holds the token: %q", q[0])
				}
				switch u := q[0].(type) {
				case interface{ Unwrap() error }:
					if e := u.Unwrap(); e != nil {
						q = append(q, e)
					}
				case interface{ Unwrap() []error }:
					q = append(q, u.Unwrap()...)
				}
			}
		})
	}
}
