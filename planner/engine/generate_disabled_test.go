package engine

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/planner/terragrunt"
)

func TestApplyDisabledGenerate(t *testing.T) {
	generated := "# " + signature + "\nprovider {}\n"
	tests := []struct {
		name       string
		ifDisabled string
		existing   string // "" means no file
		wantGone   bool
		wantErr    string
	}{
		{name: "remove", ifDisabled: "remove", existing: "hand written", wantGone: true},
		{name: "remove_terragrunt on a generated file", ifDisabled: "remove_terragrunt", existing: generated, wantGone: true},
		{name: "remove_terragrunt on a hand-written file", ifDisabled: "remove_terragrunt", existing: "hand written", wantErr: "was not generated"},
		{name: "skip keeps the file", ifDisabled: "skip", existing: generated},
		{name: "no file", ifDisabled: "remove"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			target := filepath.Join(dir, "provider.tf")
			if tc.existing != "" {
				if err := os.WriteFile(target, []byte(tc.existing), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			g := terragrunt.Generate{Name: "provider", Path: "provider.tf", Disable: true, IfDisabled: tc.ifDisabled}
			err := applyDisabledGenerate(dir, g)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, statErr := os.Stat(target)
			gone := errors.Is(statErr, fs.ErrNotExist)
			if tc.existing != "" && gone != tc.wantGone {
				t.Errorf("file removed = %v, want %v", gone, tc.wantGone)
			}
		})
	}
}
