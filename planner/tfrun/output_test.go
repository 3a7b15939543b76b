package tfrun

import "testing"

func TestOutput(t *testing.T) {
	r, dir := initRunner(t, `
resource "terraform_data" "vpc" {
  input = "vpc-123"
}

output "vpc_id" {
  value = terraform_data.vpc.output
}

output "zones" {
  value = 3
}

output "token" {
  value     = "s3cret"
  sensitive = true
}
`, Options{})
	ctx := t.Context()
	if err := r.Apply(ctx, mustPlan(t, ctx, r, dir)); err != nil {
		t.Fatal(err)
	}
	outputs, err := r.Output(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, value string
		sensitive   bool
	}{
		{"vpc_id", `"vpc-123"`, false},
		{"zones", `3`, false},
		{"token", `"s3cret"`, true},
	}
	if len(outputs) != len(tests) {
		t.Errorf("got %d outputs, want %d", len(outputs), len(tests))
	}
	for _, tt := range tests {
		got, ok := outputs[tt.name]
		if !ok {
			t.Errorf("no output %s", tt.name)
			continue
		}
		if string(got.Value) != tt.value || got.Sensitive != tt.sensitive {
			t.Errorf("output %s = %s (sensitive %v), want %s (sensitive %v)", tt.name, got.Value, got.Sensitive, tt.value, tt.sensitive)
		}
	}
}
