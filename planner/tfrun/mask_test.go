package tfrun

import (
	"bytes"
	"errors"
	"log/slog"
	"os/exec"
	"strings"
	"testing"
)

// A secret a command prints never reaches its error, the output kept in
// it, or the logged output lines.
func TestSecretsAreMasked(t *testing.T) {
	const secret = "AKIAcsocbotSecretValue"
	var logs bytes.Buffer
	r, err := New(t.TempDir(), Options{
		Binary:  Binary{Path: "/bin/sh"},
		Env:     map[string]string{"AWS_SECRET_ACCESS_KEY": secret},
		Secrets: []string{secret, ""},
		Logger:  slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	err = r.Exec(t.Context(), "leak", []string{"/bin/sh", "-c", `echo "out $AWS_SECRET_ACCESS_KEY"; echo "Error: key $AWS_SECRET_ACCESS_KEY" >&2; exit 3`}, nil, nil)
	var tfErr *Error
	if !errors.As(err, &tfErr) {
		t.Fatalf("Exec = %v, want an *Error", err)
	}
	if !errors.As(err, new(*exec.ExitError)) {
		t.Errorf("the error %v no longer unwraps to the exit error", err)
	}
	for what, s := range map[string]string{"message": err.Error(), "stdout": tfErr.Stdout, "stderr": tfErr.Stderr, "logs": logs.String()} {
		if strings.Contains(s, secret) {
			t.Errorf("the secret is in the %s: %s", what, s)
		}
	}
	if !strings.Contains(tfErr.Stderr, "Error: key ***") {
		t.Errorf("stderr = %q, want the secret masked as ***", tfErr.Stderr)
	}
}
