package slack

import (
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestVerifyRequest(t *testing.T) {
	const secret = "8f742231b10e8888abcd99yyyzzz85a5"
	body := []byte("token=x&team_id=T1&command=%2Fcsocbot&text=status+42")
	now := time.Unix(1_800_000_000, 0)
	signed := func(at time.Time, key string) http.Header {
		ts := strconv.FormatInt(at.Unix(), 10)
		h := http.Header{}
		h.Set("X-Slack-Request-Timestamp", ts)
		h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(sign(key, ts, body)))
		return h
	}
	with := func(h http.Header, k, v string) http.Header { h.Set(k, v); return h }
	for _, tc := range []struct {
		name    string
		h       http.Header
		body    []byte
		secret  string
		wantErr string // "" valid
	}{
		{"valid", signed(now, secret), body, secret, ""},
		{"valid a little old", signed(now.Add(-4*time.Minute), secret), body, secret, ""},
		{"valid a little ahead", signed(now.Add(4*time.Minute), secret), body, secret, ""},
		{"wrong secret", signed(now, "another-secret"), body, secret, "does not match"},
		{"body changed", signed(now, secret), []byte("text=apply"), secret, "does not match"},
		{"signature flipped", with(signed(now, secret), "X-Slack-Signature", "v0="+strings.Repeat("00", 32)), body, secret, "does not match"},
		{"stale", signed(now.Add(-6*time.Minute), secret), body, secret, "6m0s old"},
		{"future", signed(now.Add(10*time.Minute), secret), body, secret, "in the future"},
		{"no signature", with(signed(now, secret), "X-Slack-Signature", ""), body, secret, "header is missing"},
		{"no timestamp", with(signed(now, secret), "X-Slack-Request-Timestamp", ""), body, secret, "header is missing"},
		{"bad timestamp", with(signed(now, secret), "X-Slack-Request-Timestamp", "soon"), body, secret, "not a Unix time"},
		{"v1 signature", with(signed(now, secret), "X-Slack-Signature", "v1=abcd"), body, secret, "not a v0 signature"},
		{"not hex", with(signed(now, secret), "X-Slack-Signature", "v0=zz"), body, secret, "not a v0 signature"},
		{"no secret configured", signed(now, ""), body, "", "no signing secret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyRequest(tc.h, tc.body, tc.secret, now)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("VerifyRequest = %v", err)
				}
				return
			}
			if !errors.Is(err, ErrUnverified) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("VerifyRequest = %v, want ErrUnverified saying %q", err, tc.wantErr)
			}
		})
	}
}
