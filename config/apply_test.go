package config

import (
	"slices"
	"strings"
	"testing"
)

func TestApplyRuleOf(t *testing.T) {
	c, err := parse(`github: {token_env: TOKEN, webhook_secret_env: HOOK}
repositories: [{name: csoc/infra, kind: infra}]
environments:
  - {name: prod, paths: ["live/*/prod/**"]}
  - {name: staging, paths: ["live/*/staging/**"]}
apply:
  enabled: true
  users: [alice]
  approvals: 2
  rules:
    - environments: [prod]
      teams: [csoc/infra-admins]
      requirements: [approved, mergeable]
`)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Apply.Enabled {
		t.Error("apply.enabled was not read")
	}
	if c.Apply.ShutdownGrace != defaultShutdownGrace {
		t.Errorf("apply.shutdown_grace defaults to %s, want %s", c.Apply.ShutdownGrace, defaultShutdownGrace)
	}
	tests := []struct {
		unit         string
		teams, users []string
		requirements []Requirement
		approvals    int
	}{
		{"live/a/prod/vpc", []string{"csoc/infra-admins"}, nil, []Requirement{RequireApproved, RequireMergeable}, 2},
		{"live/a/staging/vpc", nil, []string{"alice"}, defaultRequirements, 2},
		{"terraform/dns", nil, []string{"alice"}, defaultRequirements, 2},
	}
	for _, tt := range tests {
		r := c.ApplyRuleOf("csoc/infra", tt.unit)
		if !slices.Equal(r.Teams, tt.teams) || !slices.Equal(r.Users, tt.users) || !slices.Equal(r.Requirements, tt.requirements) || r.Approvals != tt.approvals {
			t.Errorf("%s: rule %+v", tt.unit, r)
		}
		if !r.Requires(RequireFreshPlan) {
			t.Errorf("%s: a rule without fresh_plan must still require it", tt.unit)
		}
		if !r.Restricted() {
			t.Errorf("%s: rule with teams or users is not restricted", tt.unit)
		}
	}
}

func TestApplyModesAndCodeOwners(t *testing.T) {
	c, err := parse(base + `  - {name: csoc/merged, kind: infra, apply_mode: after_merge}
  - {name: csoc/auto, kind: infra, apply_mode: comment, automerge: true}
environments:
  - {name: prod, paths: ["live/*/prod/**"]}
apply:
  enabled: true
  codeowners: true
  rules:
    - environments: [prod]
      codeowners: false
`)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][2]bool{"csoc/infra": {false, false}, "csoc/merged": {true, false}, "csoc/auto": {false, true}} {
		r, _ := c.Repository(name)
		if r.ApplyAfterMerge != want[0] || r.Automerge != want[1] {
			t.Errorf("%s: after merge %v, automerge %v; want %v", name, r.ApplyAfterMerge, r.Automerge, want)
		}
	}
	if !c.ApplyRuleOf("csoc/infra", "terraform/dns").CodeOwners || c.ApplyRuleOf("csoc/infra", "live/a/prod/vpc").CodeOwners {
		t.Error("apply.codeowners is the default's and a rule's own codeowners overrides it")
	}

	for _, tt := range []struct{ name, yaml, want string }{
		{"unknown mode", base + "  - {name: a/b, kind: infra, apply_mode: on_push}\n", `repositories[1].apply_mode: expected comment or after_merge; got "on_push"`},
		{"automerge after merge", base + "  - {name: a/b, kind: infra, apply_mode: after_merge, automerge: true}\n", "repositories[1].automerge: a repository that applies after merge cannot merge after apply"},
		{"codeowners without approved", base + "apply: {codeowners: true, requirements: [fresh_plan]}\n", "apply.codeowners: code owners' approval is part of the approved requirement"},
	} {
		if _, err := parse(tt.yaml); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}
