package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrUnverified is a request that cannot be shown to come from Slack.
var ErrUnverified = errors.New("the request is not verified as Slack's")

// MaxRequestAge is how far a request's timestamp may be from now, either
// way, so a captured request cannot be replayed later.
const MaxRequestAge = 5 * time.Minute

// VerifyRequest checks Slack's v0 signature of a request: an HMAC-SHA256
// with the signing secret over "v0:" + timestamp + ":" + body, compared
// in constant time, with the timestamp within MaxRequestAge of now.
// slack-go's SecretsVerifier reads the clock itself, so it is not used.
func VerifyRequest(h http.Header, body []byte, signingSecret string, now time.Time) error {
	if signingSecret == "" {
		return fmt.Errorf("%w: no signing secret is configured", ErrUnverified)
	}
	ts, sig := h.Get("X-Slack-Request-Timestamp"), h.Get("X-Slack-Signature")
	if ts == "" || sig == "" {
		return fmt.Errorf("%w: the X-Slack-Request-Timestamp or X-Slack-Signature header is missing", ErrUnverified)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: the timestamp %q is not a Unix time", ErrUnverified, ts)
	}
	at := time.Unix(sec, 0)
	if age := now.Sub(at); age > MaxRequestAge {
		return fmt.Errorf("%w: the request is %s old, older than %s (a replay, or the server's clock is wrong)", ErrUnverified, age.Truncate(time.Second), MaxRequestAge)
	}
	if ahead := at.Sub(now); ahead > MaxRequestAge {
		return fmt.Errorf("%w: the request is dated %s in the future, more than %s (check the server's clock)", ErrUnverified, ahead.Truncate(time.Second), MaxRequestAge)
	}
	hexSig, ok := strings.CutPrefix(sig, "v0=")
	got, err := hex.DecodeString(hexSig)
	if !ok || err != nil {
		return fmt.Errorf("%w: the signature is not a v0 signature", ErrUnverified)
	}
	if !hmac.Equal(got, sign(signingSecret, ts, body)) {
		return fmt.Errorf("%w: the signature does not match (check the signing secret)", ErrUnverified)
	}
	return nil
}

func sign(secret, ts string, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return mac.Sum(nil)
}
