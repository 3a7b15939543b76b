package tfrun

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"unicode/utf8"
)

// Error is returned when a terraform command fails to start, exits with an
// error, or is cancelled. Its message names the command and directory and
// ends with the command's error diagnostics; Unwrap gives the underlying
// error, so errors.Is(err, context.Canceled) and errors.As(err,
// new(*exec.ExitError)) work.
type Error struct {
	Binary  string // "terraform" or "tofu"
	Command string // subcommand, e.g. "plan"
	Dir     string // the Runner's name for its working directory
	Stdout  string // captured standard output, bounded
	Stderr  string // captured standard error, bounded
	Err     error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s in %s ", e.Binary, e.Command, e.Dir)
	var exit *exec.ExitError
	switch {
	case errors.Is(e.Err, context.Canceled):
		b.WriteString("was cancelled: " + context.Canceled.Error())
	case errors.Is(e.Err, context.DeadlineExceeded):
		b.WriteString("timed out: " + context.DeadlineExceeded.Error())
	case errors.As(e.Err, &exit):
		b.WriteString("failed: " + exit.Error())
	default:
		// terraform-exec appends the whole stderr to some errors; the
		// diagnostics below already carry what matters from it.
		first, _, _ := strings.Cut(e.Err.Error(), "\n")
		b.WriteString("failed: " + first)
	}
	if d := diagnostics(e.Stderr); d != "" {
		b.WriteString(": ")
		b.WriteString(d)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

const (
	maxDiagnostics = 8 << 10 // bytes of diagnostics in an error message
	fallbackLines  = 20      // lines of stderr used when it has no "Error:" block
)

// diagnostics picks the "Error:" blocks out of stderr written with
// -no-color, where each diagnostic starts with "Error: " or "Warning: " at
// the start of a line. Without any, it returns the last lines of stderr.
// The result is cut to its last maxDiagnostics bytes.
func diagnostics(stderr string) string {
	// Terraform repeats some diagnostics (e.g. "execution halted" once per
	// stopped operation); each distinct block is kept once.
	var blocks []string
	inError := false
	for line := range strings.Lines(stderr) {
		switch {
		case strings.HasPrefix(line, "Error: "):
			inError = true
			blocks = append(blocks, "")
		case strings.HasPrefix(line, "Warning: "):
			inError = false
		}
		if inError {
			blocks[len(blocks)-1] += line
		}
	}
	var kept []string
	for _, b := range blocks {
		if b = strings.TrimSpace(b); !slices.Contains(kept, b) {
			kept = append(kept, b)
		}
	}
	d := strings.Join(kept, "\n\n")
	if len(kept) == 0 {
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		d = strings.Join(lines[max(0, len(lines)-fallbackLines):], "\n")
	}
	if len(d) > maxDiagnostics {
		cut := len(d) - maxDiagnostics
		for cut < len(d) && !utf8.RuneStart(d[cut]) {
			cut++
		}
		d = "[…]" + d[cut:]
	}
	return d
}
