package main

import (
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	tests := []struct {
		name       string
		events     string
		want       []string
		wantNot    []string
		wantFailed bool
	}{
		{
			name: "pass and skip",
			events: `{"Action":"start","Package":"p"}
{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"output","Package":"p","Test":"TestA","Output":"    a_test.go:3: noise of a passing test\n"}
{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestB","Output":"=== RUN   TestB\n"}
{"Action":"output","Package":"p","Test":"TestB","Output":"    b_test.go:9: terragrunt 0.63.6 not found (set CSOCBOT_TERRAGRUNT)\n"}
{"Action":"output","Package":"p","Test":"TestB","Output":"--- SKIP: TestB (0.00s)\n"}
{"Action":"skip","Package":"p","Test":"TestB"}
{"Action":"output","Package":"p","Output":"PASS\n"}
{"Action":"output","Package":"p","Output":"ok  \tp\t0.1s\n"}
{"Action":"pass","Package":"p"}`,
			want:    []string{"ok  \tp\t0.1s", "SKIP p TestB: b_test.go:9: terragrunt 0.63.6 not found (set CSOCBOT_TERRAGRUNT)"},
			wantNot: []string{"noise of a passing test", "PASS\n"},
		},
		{
			name: "failing test",
			events: `{"Action":"output","Package":"p","Test":"TestC","Output":"    c_test.go:5: got 1, want 2\n"}
{"Action":"fail","Package":"p","Test":"TestC"}
{"Action":"fail","Package":"p"}`,
			want:       []string{"--- FAIL: p TestC", "got 1, want 2"},
			wantFailed: true,
		},
		{
			name:       "package that panics outside a test",
			events:     `{"Action":"output","Package":"p","Output":"panic: boom\n"}` + "\n" + `{"Action":"fail","Package":"p"}`,
			want:       []string{"panic: boom"},
			wantFailed: true,
		},
		{
			name:       "build failure",
			events:     `{"ImportPath":"p [p.test]","Action":"build-output","Output":"x.go:1: syntax error\n"}` + "\n" + `{"ImportPath":"p [p.test]","Action":"build-fail"}`,
			want:       []string{"x.go:1: syntax error"},
			wantFailed: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			r := &report{out: &out, output: map[string][]string{}}
			if err := r.read(strings.NewReader(tt.events)); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(out.String(), w) {
					t.Errorf("output has %q:\n%s", w, out.String())
				}
			}
			if got := r.failed > 0 || r.buildFailed || r.packageFailed; got != tt.wantFailed {
				t.Errorf("failed = %v, want %v", got, tt.wantFailed)
			}
		})
	}
}
