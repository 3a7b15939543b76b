package slack

import (
	"errors"
	"fmt"
	"regexp"
)

// ErrSecret is a refusal to send text that looks like it holds a secret.
var ErrSecret = errors.New("the message looks like it holds a secret, so it is not sent")

// secretPatterns are the last check before text reaches Slack, after the
// masking PR comments get: anything matching is refused, never sent.
var secretPatterns = []struct {
	kind string
	re   *regexp.Regexp
}{
	{"AWS access key id", regexp.MustCompile(`\b(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b`)},
	{"GitHub token", regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})`)},
	{"private key", regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----`)},
	{"Slack token", regexp.MustCompile(`\b(xox[abposre]-[A-Za-z0-9-]{10,}|xapp-[0-9]-[A-Za-z0-9-]{10,})`)},
	{"Slack webhook URL", regexp.MustCompile(`hooks\.slack\.com/(services|workflows|triggers)/[A-Za-z0-9_/-]{8,}`)},
}

// CheckSecrets returns an error wrapping ErrSecret when text matches a
// secret pattern. The error names the kind of secret, never the text.
func CheckSecrets(text string) error {
	for _, p := range secretPatterns {
		if p.re.MatchString(text) {
			return fmt.Errorf("%w: it matches the %s pattern (mask it before it is reported)", ErrSecret, p.kind)
		}
	}
	return nil
}
