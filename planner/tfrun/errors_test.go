package tfrun

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

func TestDiagnostics(t *testing.T) {
	const errBlock = "Error: Unsupported argument\n\n  on main.tf line 3, in resource \"terraform_data\" \"x\":\n   3:   nope = 1\n\nAn argument named \"nope\" is not expected here.\n"
	const warnBlock = "Warning: Deprecated\n\nSomething is deprecated.\n"
	long := "Error: big\n" + strings.Repeat("y", maxDiagnostics)
	tests := []struct {
		name, stderr, want string
	}{
		{"empty", "", ""},
		{"one error", "\n" + errBlock, strings.TrimSpace(errBlock)},
		{"warnings are dropped", "\n" + warnBlock + "\n" + errBlock + "\n" + warnBlock, strings.TrimSpace(errBlock)},
		{"two errors", "\n" + errBlock + "\nError: Second\n\nDetail.\n", strings.TrimSpace(errBlock) + "\n\nError: Second\n\nDetail."},
		{"a repeated error once", "Error: execution halted\n\n\nError: execution halted\n\n" + errBlock, "Error: execution halted\n\n" + strings.TrimSpace(errBlock)},
		{"no error block: last lines", "line 1\nline 2\n", "line 1\nline 2"},
		{"no error block: only the last lines", strings.Repeat("early\n", 5) + strings.Repeat("late\n", fallbackLines), strings.TrimSpace(strings.Repeat("late\n", fallbackLines))},
		{"too long: the end is kept", long, "[…]" + long[len(long)-maxDiagnostics:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := diagnostics(tt.stderr); got != tt.want {
				t.Errorf("diagnostics() =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	exitErr := exec.Command("sh", "-c", "exit 3").Run()
	tests := []struct {
		name   string
		err    error
		stderr string
		want   string
		is     error
	}{
		{
			name:   "exit status with diagnostics",
			err:    fmt.Errorf("%w\nthe whole stderr again", exitErr),
			stderr: "\nError: Bad thing\n\nDetail.\n",
			want:   "terraform plan in live/prod/vpc failed: exit status 3: Error: Bad thing\n\nDetail.",
		},
		{
			name: "cancelled",
			err:  fmt.Errorf("%w: %w", context.Canceled, exitErr),
			want: "terraform plan in live/prod/vpc was cancelled: context canceled",
			is:   context.Canceled,
		},
		{
			name: "deadline",
			err:  context.DeadlineExceeded,
			want: "terraform plan in live/prod/vpc timed out: context deadline exceeded",
			is:   context.DeadlineExceeded,
		},
		{
			name: "other error keeps its first line",
			err:  errors.New("fork/exec /nope: no such file or directory\nmore"),
			want: "terraform plan in live/prod/vpc failed: fork/exec /nope: no such file or directory",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Error{Binary: "terraform", Command: "plan", Dir: "live/prod/vpc", Stderr: tt.stderr, Err: tt.err}
			if got := e.Error(); got != tt.want {
				t.Errorf("Error() =\n%q\nwant\n%q", got, tt.want)
			}
			if !errors.Is(e, tt.err) {
				t.Error("does not wrap its cause")
			}
			if tt.is != nil && !errors.Is(e, tt.is) {
				t.Errorf("errors.Is(err, %v) = false", tt.is)
			}
		})
	}
}
