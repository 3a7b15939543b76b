package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// fixtureDir holds real GitHub webhook payloads, one folder per event type.
const fixtureDir = "../../testdata/github-webhooks"

type fixture struct {
	name      string // path relative to fixtureDir
	eventType string // the folder name, as GitHub's X-GitHub-Event
	body      []byte
}

// fixtures returns every payload under fixtureDir.
func fixtures(tb testing.TB) []fixture {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join(fixtureDir, "*", "*.json"))
	if err != nil {
		tb.Fatal(err)
	}
	if len(paths) == 0 {
		tb.Fatalf("no webhook fixtures in %s", fixtureDir)
	}
	var fs []fixture
	for _, p := range paths {
		body, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		rel, _ := filepath.Rel(fixtureDir, p)
		fs = append(fs, fixture{name: filepath.ToSlash(rel), eventType: filepath.Base(filepath.Dir(p)), body: body})
	}
	return fs
}

// readFixture returns one payload.
func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	body, err := os.ReadFile(filepath.Join(fixtureDir, filepath.FromSlash(name)))
	if err != nil {
		tb.Fatal(err)
	}
	return body
}

// sign computes the X-Hub-Signature-256 value GitHub would send.
func sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
