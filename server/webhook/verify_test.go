package webhook

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

var testSecret = []byte("It's a Secret to Everybody")

func TestVerify(t *testing.T) {
	body := []byte(`{"zen":"Keep it logically awesome."}`)
	good := sign(testSecret, body)
	tests := []struct {
		name   string
		secret []byte
		header string
		body   []byte
		want   error
	}{
		{"good", testSecret, good, body, nil},
		{"upper-case hex", testSecret, "sha256=" + strings.ToUpper(strings.TrimPrefix(good, "sha256=")), body, nil},
		{"empty body", testSecret, sign(testSecret, nil), nil, nil},
		{"missing header", testSecret, "", body, ErrMissingSignature},
		{"no secret", nil, good, body, ErrNoSecret},
		{"wrong prefix", testSecret, "sha1=" + strings.TrimPrefix(good, "sha256="), body, ErrMalformedSignature},
		{"prefix only", testSecret, "sha256=", body, ErrMalformedSignature},
		{"upper-case prefix", testSecret, "SHA256=" + strings.TrimPrefix(good, "sha256="), body, ErrMalformedSignature},
		{"bad hex", testSecret, "sha256=" + strings.Repeat("zz", 32), body, ErrMalformedSignature},
		{"short digest", testSecret, good[:len(good)-2], body, ErrMalformedSignature},
		{"long digest", testSecret, good + "00", body, ErrMalformedSignature},
		{"surrounding space", testSecret, " " + good, body, ErrMalformedSignature},
		{"wrong secret", []byte("not the secret"), good, body, ErrSignatureMismatch},
		{"tampered body", testSecret, good, append(bytes.Clone(body), ' '), ErrSignatureMismatch},
		{"signature of empty body", testSecret, sign(testSecret, nil), body, ErrSignatureMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, tt.header, tt.body)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), strings.TrimPrefix(good, "sha256=")) {
				t.Errorf("error %q reveals the expected signature", err)
			}
		})
	}
}

func TestVerifyFixtures(t *testing.T) {
	for _, f := range fixtures(t) {
		t.Run(f.name, func(t *testing.T) {
			sig := sign(testSecret, f.body)
			if err := Verify(testSecret, sig, f.body); err != nil {
				t.Fatalf("Verify of a correctly signed payload: %v", err)
			}
			tampered := bytes.Clone(f.body)
			tampered[len(tampered)/2] ^= 1
			if err := Verify(testSecret, sig, tampered); !errors.Is(err, ErrSignatureMismatch) {
				t.Fatalf("Verify of a tampered payload = %v, want %v", err, ErrSignatureMismatch)
			}
		})
	}
}
