package server

import (
	"strings"
	"testing"
)

// TestEndToEndWarnsAboutSyntaxTheSiteRejects is a pull request that adds an
// errors block (Terragrunt 0.69.6 and later) to the prod VPC on a site that
// runs Terragrunt 0.63.6: the unit is planned, and the comment warns with
// the file and line.
func TestEndToEndWarnsAboutSyntaxTheSiteRejects(t *testing.T) {
	const vpc = "live/gen3-prod/us-east-1/prod/vpc/terragrunt.hcl"
	e := newE2EWith(t, e2eOptions{config: "terragrunt:\n  version: 0.63.6\n"})
	e.commit(func(e *e2e) {
		e.src.Append(vpc, "\nerrors {\n  retry \"net\" {\n    retryable_errors   = [\".*timeout.*\"]\n    max_attempts       = 2\n    sleep_interval_sec = 1\n  }\n}\n")
	})
	e.start()
	if code, resp := post(t, e.srv.Handler(), delivery{event: "pull_request", id: "newer-1", body: e.openedPayload()}); code != 202 || resp.Status != "queued" {
		t.Fatalf("webhook answered %d %+v", code, resp)
	}
	e.waitFor("the plan comment", func() bool { return len(e.planComments()) > 0 })
	body := e.planComments()[0].Body
	for _, want := range []string{
		"<code>live/gen3-prod/us-east-1/prod/vpc</code>: 7 to add",
		"⚠️ " + vpc + `:23: the "errors" block: your Terragrunt 0.63.6 will reject this (Terragrunt 0.69.6 accepts it)`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("plan comment lacks %q:\n%s", want, body)
		}
	}
}
