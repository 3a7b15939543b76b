package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretNeverPrinted(t *testing.T) {
	const value = "s3cr3t-value"
	s := newSecret(value)
	c, err := parse(base)
	if err != nil {
		t.Fatal(err)
	}
	c.GitHub.Token = s
	c.GitHub.App = &GitHubApp{PrivateKey: s}

	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s"} {
		out = append(out, fmt.Sprintf(verb, s), fmt.Sprintf(verb, &s), fmt.Sprintf(verb, c.GitHub), fmt.Sprintf(verb, *c.GitHub.App))
	}
	out = append(out, fmt.Sprint(s), fmt.Sprintln(s), s.String(), s.GoString())
	for _, v := range []any{s, &s, c, c.GitHub} {
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(data))
	}
	for _, h := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var buf bytes.Buffer
		log := slog.New(h(&buf))
		log.Info("secrets", "secret", s, "pointer", &s, "github", c.GitHub, "config", c, slog.Any("any", s), slog.Group("g", "app", c.GitHub.App))
		out = append(out, buf.String())
	}

	for _, o := range out {
		if strings.Contains(o, value) || strings.Contains(o, fmt.Sprintf("%x", value)) {
			t.Errorf("secret printed: %s", o)
		}
		if !strings.Contains(o, "[redacted]") {
			t.Errorf("no [redacted] in %s", o)
		}
	}
	if got := s.Reveal(); got != value {
		t.Errorf("Reveal() = %q", got)
	}
}
