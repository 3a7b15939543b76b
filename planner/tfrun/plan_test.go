package tfrun

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlan(t *testing.T) {
	tests := []struct {
		name        string
		mainTF      string
		wantChanges bool
	}{
		{"new resource", `resource "terraform_data" "x" {}`, true},
		{"nothing to do", `locals { x = 1 }`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, dir := initRunner(t, tt.mainTF, Options{})
			out := filepath.Join(dir, "tfplan")
			changes, err := r.Plan(t.Context(), out, "")
			if err != nil {
				t.Fatal(err)
			}
			if changes != tt.wantChanges {
				t.Errorf("Plan() changes = %v, want %v", changes, tt.wantChanges)
			}
			if _, err := os.Stat(out); err != nil {
				t.Errorf("plan file: %v", err)
			}
		})
	}
}

func TestPlanFailure(t *testing.T) {
	tests := []struct {
		name   string
		broken string // main.tf after a successful init
		want   string // expected in the error after the prefix
	}{
		{
			name:   "syntax error",
			broken: "resource \"terraform_data\" \"x\" {\n  input = \n}\n",
			want:   "Error: Invalid expression",
		},
		{
			name: "precondition",
			broken: `
variable "replicas" {
  default = 0
}

resource "terraform_data" "x" {
  input = var.replicas
  lifecycle {
    precondition {
      condition     = var.replicas > 0
      error_message = "At least one replica is required."
    }
  }
}
`,
			want: "Error: Resource precondition failed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, dir := initRunner(t, `resource "terraform_data" "x" {}`, Options{Name: "live/prod/vpc"})
			writeFile(t, filepath.Join(dir, "main.tf"), tt.broken)
			_, err := r.Plan(t.Context(), filepath.Join(dir, "tfplan"), "")
			if err == nil {
				t.Fatal("Plan() succeeded")
			}
			t.Logf("error reads:\n%v", err)
			const prefix = "terraform plan in live/prod/vpc failed: exit status 1: "
			if !strings.HasPrefix(err.Error(), prefix+tt.want) {
				t.Errorf("error does not start with %q", prefix+tt.want)
			}
			if strings.Contains(err.Error(), "goroutine ") {
				t.Error("error contains a stack trace")
			}
			var e *Error
			if !errors.As(err, &e) || e.Command != "plan" || !strings.Contains(e.Stderr, tt.want) {
				t.Errorf("error is not an *Error for plan carrying stderr: %#v", err)
			}
		})
	}
}

func TestPlanVarsFile(t *testing.T) {
	r, dir := initRunner(t, `
variable "name" {
  type = string
}

resource "terraform_data" "x" {
  input = var.name
}
`, Options{})
	vars := writeFile(t, filepath.Join(dir, "env.tfvars"), `name = "from-the-vars-file"`)
	ctx := t.Context()
	out := filepath.Join(dir, "tfplan")
	if _, err := r.Plan(ctx, out, vars); err != nil {
		t.Fatal(err)
	}
	plan, err := r.ShowPlan(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	if got := plan.Variables["name"].Value; got != "from-the-vars-file" {
		t.Errorf("variable name = %v", got)
	}
}
