package config

import (
	"slices"
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
