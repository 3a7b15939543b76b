// Package webhook turns GitHub webhook deliveries into the few facts csocbot
// acts on. It verifies signatures, bounds how much of a body is read and maps
// GitHub's large payloads to a small Event, so that the HTTP server can stay a
// thin layer that picks a status code from the errors returned here.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
)

// Headers GitHub sets on every delivery.
const (
	// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of the body
	// keyed with the webhook secret.
	SignatureHeader = "X-Hub-Signature-256"
	// EventHeader names the event type that Parse expects.
	EventHeader = "X-GitHub-Event"
)

const signaturePrefix = "sha256="

// Errors returned by Verify. None of them carries the expected signature,
// so they are safe to log or return to the caller.
var (
	// ErrNoSecret means Verify was called without a secret. Anyone could
	// sign a payload with an empty key, so this fails closed.
	ErrNoSecret = errors.New("webhook secret is not configured")
	// ErrMissingSignature means the delivery carried no signature, usually
	// because the webhook was set up without a secret.
	ErrMissingSignature = errors.New("missing " + SignatureHeader + " header")
	// ErrMalformedSignature means the header is not "sha256=" followed by
	// 64 hex digits.
	ErrMalformedSignature = errors.New("malformed " + SignatureHeader + " header")
	// ErrSignatureMismatch means the body was not signed with our secret.
	ErrSignatureMismatch = errors.New("webhook signature does not match the payload")
)

// Verify checks that signatureHeader, the value of the X-Hub-Signature-256
// header, is the HMAC-SHA256 of body keyed with secret. The comparison takes
// constant time so that a forger learns nothing from response timing.
func Verify(secret []byte, signatureHeader string, body []byte) error {
	v, err := NewVerifier(secret, signatureHeader)
	if err != nil {
		return err
	}
	v.Write(body)
	return v.Check()
}

// Verifier checks a signature while the body streams through it, so that
// a delivery without a well-formed signature is refused before its body is
// read, and a signed one is hashed as it arrives.
type Verifier struct {
	mac  hash.Hash
	want []byte
}

// NewVerifier parses signatureHeader, the value of the X-Hub-Signature-256
// header, returning the errors Verify does for a missing secret or a
// missing or malformed signature.
func NewVerifier(secret []byte, signatureHeader string) (*Verifier, error) {
	if len(secret) == 0 {
		return nil, ErrNoSecret
	}
	if signatureHeader == "" {
		return nil, ErrMissingSignature
	}
	digest, ok := strings.CutPrefix(signatureHeader, signaturePrefix)
	if !ok {
		return nil, fmt.Errorf("%w: it must start with %q", ErrMalformedSignature, signaturePrefix)
	}
	want, err := hex.DecodeString(digest)
	if err != nil || len(want) != sha256.Size {
		return nil, fmt.Errorf("%w: want %d hex digits after %q", ErrMalformedSignature, 2*sha256.Size, signaturePrefix)
	}
	return &Verifier{mac: hmac.New(sha256.New, secret), want: want}, nil
}

// Write hashes the next part of the body; it never fails.
func (v *Verifier) Write(p []byte) (int, error) { return v.mac.Write(p) }

// Check reports whether the body written so far has the signature, in
// constant time, so that a forger learns nothing from response timing.
func (v *Verifier) Check() error {
	if !hmac.Equal(v.want, v.mac.Sum(nil)) {
		return ErrSignatureMismatch
	}
	return nil
}
