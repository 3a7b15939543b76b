package slack

import (
	"errors"
	"strings"
	"testing"
)

// Test secrets are built in pieces so no scanner mistakes this file for
// a leak.
var secretCases = []struct{ kind, secret string }{
	{"AWS access key id", "AKIA" + "IOSFODNN7EXAMPLE"},
	{"AWS access key id", "ASIA" + "ZZZZ1234567890AB"},
	{"GitHub token", "ghp_" + strings.Repeat("a1B2", 9)},
	{"GitHub token", "ghs_" + strings.Repeat("Z9y8", 10)},
	{"GitHub token", "github_pat_" + strings.Repeat("11AB_cd", 5)},
	{"private key", "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIE"},
	{"private key", "-----BEGIN " + "OPENSSH PRIVATE KEY-----"},
	{"Slack token", "xoxb-" + "1234567890-0987654321-abcdefABCDEF"},
	{"Slack token", "xapp-" + "1-A0123456789-abcdef"},
	{"Slack webhook URL", "https://hooks.slack.com/" + "services/T000/B000/XXXXXXXXXXXX"},
}

func TestCheckSecrets(t *testing.T) {
	for _, tc := range secretCases {
		t.Run(tc.kind, func(t *testing.T) {
			err := CheckSecrets("plan output: " + tc.secret + " end")
			if !errors.Is(err, ErrSecret) || !strings.Contains(err.Error(), tc.kind) {
				t.Fatalf("err = %v, want ErrSecret naming %q", err, tc.kind)
			}
			if strings.Contains(err.Error(), tc.secret) {
				t.Error("the error shows the secret")
			}
		})
	}
	for _, clean := range []string{
		"", "Plan: 1 to add, 0 to change", "arn:aws:iam::123456789012:role/csocbot-apply",
		"AKIA-not-a-key", "ghp_short", "xoxb-", "https://slack.com/api/chat.postMessage",
		"-----BEGIN CERTIFICATE-----", "<!subteam^S0123ABC>",
	} {
		if err := CheckSecrets(clean); err != nil {
			t.Errorf("CheckSecrets(%q) = %v", clean, err)
		}
	}
}
