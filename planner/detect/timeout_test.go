package detect

import (
	"strings"
	"testing"
	"time"

	"github.com/csocbot/csocbot/internal/gittest"
)

// The server's terragrunt.evaluation_timeout reaches every evaluation.
func TestDetectEvaluationTimeout(t *testing.T) {
	r := gittest.New(t, "")
	r.Write("live/a/terragrunt.hcl", "locals {\n  names = [for i in range(100) : \"n-${i}\"]\n}\ninputs = { names = local.names }\n")
	base := r.CommitAll("base")
	r.Append("live/a/terragrunt.hcl", "# changed\n")
	head := r.CommitAll("change")
	res := detectOn(t, r, base, head, Options{EvaluationTimeout: time.Nanosecond})
	if len(res.Errors) != 1 || res.Errors[0].Path != "live/a" || !strings.Contains(res.Errors[0].Error, "1ns") {
		t.Errorf("errors = %+v, want live/a failing its 1ns budget", res.Errors)
	}
}
