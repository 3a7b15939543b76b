package policy

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunTests(t *testing.T) {
	tests := []struct {
		name      string
		files     map[string]string
		wantPass  int
		wantFail  []string // problem prefixes of the failing tests
		wantError string
	}{
		{
			name: "passing and failing",
			files: map[string]string{
				"r.rego":      "package csocbot.r\n\ndeny contains \"no\" if input.x == 1\n",
				"r_test.rego": "package csocbot.r_test\n\nimport data.csocbot.r\n\ntest_denies if r.deny with input as {\"x\": 1}\n\ntest_wrong if count(r.deny) == 1 with input as {\"x\": 2}\n",
			},
			wantPass: 1,
			wantFail: []string{"failed"},
		},
		{
			name:      "no files",
			files:     map[string]string{},
			wantError: "no .rego files",
		},
		{
			name:      "syntax error",
			files:     map[string]string{"r.rego": "package csocbot.r\n\ndeny contains if {\n"},
			wantError: "parse",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, src := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := RunTests(context.Background(), dir)
			if tt.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantError) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			pass, fail := 0, []string{}
			for _, r := range got {
				if r.Passed {
					pass++
				} else {
					fail = append(fail, r.Problem)
				}
			}
			if pass != tt.wantPass || len(fail) != len(tt.wantFail) || (len(fail) > 0 && !strings.HasPrefix(fail[0], tt.wantFail[0])) {
				t.Errorf("passed %d, failed %q; want %d and %q", pass, fail, tt.wantPass, tt.wantFail)
			}
		})
	}
}
