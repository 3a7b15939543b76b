package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func FuzzVerify(f *testing.F) {
	f.Add(testSecret, "", []byte{})
	f.Add(testSecret, "sha256=", []byte("{}"))
	f.Add(testSecret, "sha1=0123", []byte("{}"))
	for _, fx := range fixtures(f) {
		f.Add(testSecret, sign(testSecret, fx.body), fx.body)
	}
	f.Fuzz(func(t *testing.T, secret []byte, header string, body []byte) {
		err := Verify(secret, header, body)
		if len(secret) == 0 {
			if !errors.Is(err, ErrNoSecret) {
				t.Fatalf("Verify without a secret = %v, want %v", err, ErrNoSecret)
			}
			return
		}
		if err == nil {
			// Only the true MAC may pass.
			mac := hmac.New(sha256.New, secret)
			mac.Write(body)
			got, _ := hex.DecodeString(strings.TrimPrefix(header, "sha256="))
			if !hmac.Equal(got, mac.Sum(nil)) {
				t.Fatalf("Verify accepted %q", header)
			}
		}
		if err := Verify(secret, sign(secret, body), body); err != nil {
			t.Fatalf("Verify of a correct signature: %v", err)
		}
	})
}

func FuzzParse(f *testing.F) {
	f.Add("pull_request", []byte(`{"number":1,"pull_request":{},"repository":{}}`))
	f.Add("push", []byte(`null`))
	f.Add("unknown", []byte(`{}`))
	for _, fx := range fixtures(f) {
		f.Add(fx.eventType, fx.body)
	}
	f.Fuzz(func(t *testing.T, eventType string, body []byte) {
		ev, err := Parse(eventType, body)
		var unsupported *UnsupportedEventError
		switch {
		case err == nil:
			if ev.Kind != Kind(eventType) {
				t.Fatalf("Parse(%q) returned an event of kind %q", eventType, ev.Kind)
			}
		case errors.As(err, &unsupported), errors.Is(err, ErrMalformedPayload):
			// The two errors a server maps to 202 and 400.
		default:
			t.Fatalf("Parse returned an error the server cannot classify: %v", err)
		}
	})
}
