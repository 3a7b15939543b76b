package config

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Requirement is a condition every unit must meet when it is applied.
type Requirement string

// The apply requirements.
const (
	// RequireApproved: enough approving reviews of the current head from
	// people other than the author (Approvals).
	RequireApproved Requirement = "approved"
	// RequireMergeable: GitHub says the pull request can be merged.
	RequireMergeable Requirement = "mergeable"
	// RequireFreshPlan: the saved plan is of the current head. Always
	// checked: an apply never runs a plan of another commit.
	RequireFreshPlan Requirement = "fresh_plan"
	// RequirePoliciesPassed: every policy set passed the unit, or its
	// owners overrode the failure.
	RequirePoliciesPassed Requirement = "policies_passed"
	// RequireDependenciesApplied: no dependency of the unit that this pull
	// request changes is left unapplied.
	RequireDependenciesApplied Requirement = "dependencies_applied"
	// RequireUndiverged: the head contains the base branch's latest
	// commit, so applying cannot roll back someone else's change.
	RequireUndiverged Requirement = "undiverged"
)

// defaultShutdownGrace lets most applies finish; a pod's
// terminationGracePeriodSeconds must be longer.
const defaultShutdownGrace = 10 * time.Minute

var requirements = []Requirement{RequireApproved, RequireMergeable, RequireFreshPlan, RequirePoliciesPassed, RequireDependenciesApplied, RequireUndiverged}

// defaultRequirements hold where the configuration says nothing: an
// apply needs a reviewer, passing policies, its dependencies applied and
// the latest base.
var defaultRequirements = []Requirement{RequireApproved, RequireFreshPlan, RequirePoliciesPassed, RequireDependenciesApplied, RequireUndiverged}

// Apply says whether and how `csocbot apply` works.
type Apply struct {
	// Enabled turns the apply command on; off, it explains it is off.
	Enabled bool
	// Default is the rule of units no Rules entry names.
	Default ApplyRule
	// Rules are per environment, first match wins.
	Rules []ApplyRule
	// ShutdownGrace is how long a clean shutdown waits for a running
	// apply to finish: terraform cut off mid-apply leaves state and
	// resources half changed, so it is never cancelled sooner.
	ShutdownGrace time.Duration
}

// ApplyRule is who may apply some units and what must hold first.
type ApplyRule struct {
	// Environments the rule is for (environments[].name); empty in the
	// default rule.
	Environments []string
	// Teams ("org/slug") and Users may apply; both empty means anyone the
	// apply command's permission admits.
	Teams, Users []string
	Requirements []Requirement
	// Approvals is how many approving reviews RequireApproved needs.
	Approvals int
	// CodeOwners adds to RequireApproved that every changed path of the
	// unit with owners in the base branch's CODEOWNERS is approved by one
	// of them.
	CodeOwners bool
}

// Requires reports whether the rule has requirement r.
func (r ApplyRule) Requires(q Requirement) bool {
	return q == RequireFreshPlan || slices.Contains(r.Requirements, q)
}

// Restricted reports whether only named teams and users may apply.
func (r ApplyRule) Restricted() bool { return len(r.Teams) > 0 || len(r.Users) > 0 }

// ApplyRuleOf returns the rule for the unit at unitPath of repo.
func (c *Config) ApplyRuleOf(repo, unitPath string) ApplyRule {
	env := c.EnvironmentOf(repo, unitPath)
	for _, r := range c.Apply.Rules {
		if env != "" && slices.Contains(r.Environments, env) {
			return r
		}
	}
	return c.Apply.Default
}

type rawApply struct {
	Enabled      scalar[bool]         `yaml:"enabled"`
	Teams        list[scalar[string]] `yaml:"teams"`
	Users        list[scalar[string]] `yaml:"users"`
	Requirements list[scalar[string]] `yaml:"requirements"`
	Approvals    scalar[int]          `yaml:"approvals"`
	CodeOwners   scalar[bool]         `yaml:"codeowners"`
	Rules        list[rawApplyRule]   `yaml:"rules"`
	// ShutdownGrace is a duration like 10m.
	ShutdownGrace scalar[string] `yaml:"shutdown_grace"`
}

type rawApplyRule struct {
	position
	Environments list[scalar[string]] `yaml:"environments"`
	Teams        list[scalar[string]] `yaml:"teams"`
	Users        list[scalar[string]] `yaml:"users"`
	Requirements list[scalar[string]] `yaml:"requirements"`
	Approvals    scalar[int]          `yaml:"approvals"`
	CodeOwners   scalar[bool]         `yaml:"codeowners"`
}

func (v *validator) apply(r rawApply, envs []Environment) Apply {
	a := Apply{Enabled: boolOr(r.Enabled, false), ShutdownGrace: v.duration(r.ShutdownGrace, "apply.shutdown_grace", defaultShutdownGrace)}
	a.Default = ApplyRule{
		Teams:        v.applyTeams(r.Teams, "apply.teams"),
		Users:        v.applyUsers(r.Users, "apply.users"),
		Requirements: v.applyRequirements(r.Requirements, "apply.requirements", defaultRequirements),
		Approvals:    v.number(r.Approvals, "apply.approvals", 1, 1, maxApprovals),
		CodeOwners:   boolOr(r.CodeOwners, false),
	}
	v.codeOwnersNeedApproved(a.Default, r.CodeOwners, "apply")
	known := map[string]bool{}
	for _, e := range envs {
		known[e.Name] = true
	}
	for i, rr := range r.Rules.Items {
		key := fmt.Sprintf("apply.rules[%d]", i)
		rule := ApplyRule{
			Teams:        v.applyTeams(rr.Teams, key+".teams"),
			Users:        v.applyUsers(rr.Users, key+".users"),
			Requirements: v.applyRequirements(rr.Requirements, key+".requirements", a.Default.Requirements),
			Approvals:    v.number(rr.Approvals, key+".approvals", a.Default.Approvals, 1, maxApprovals),
			CodeOwners:   boolOr(rr.CodeOwners, a.Default.CodeOwners),
		}
		v.codeOwnersNeedApproved(rule, rr.CodeOwners, key)
		if len(rr.Environments.Items) == 0 {
			v.errs.add(rr.Line, key+".environments", "required: the environments (environments[].name) the rule is for")
		}
		for j, e := range rr.Environments.Items {
			switch {
			case !e.ok():
			case !known[e.Value]:
				v.errs.add(e.Line, fmt.Sprintf("%s.environments[%d]", key, j), "no environment is named %q; name one of environments[].name", e.Value)
			default:
				rule.Environments = append(rule.Environments, e.Value)
			}
		}
		a.Rules = append(a.Rules, rule)
	}
	return a
}

func (v *validator) applyTeams(l list[scalar[string]], key string) []string {
	var out []string
	for i, t := range l.Items {
		if t.ok() && !teamRE.MatchString(t.Value) {
			v.errs.add(t.Line, fmt.Sprintf("%s[%d]", key, i), "expected a team as org/slug, like csoc/infra-admins; got %q", t.Value)
			continue
		}
		out = append(out, t.Value)
	}
	return out
}

func (v *validator) applyUsers(l list[scalar[string]], key string) []string {
	var out []string
	for i, u := range l.Items {
		if u.ok() && !loginRE.MatchString(u.Value) {
			v.errs.add(u.Line, fmt.Sprintf("%s[%d]", key, i), "expected a GitHub login; got %q", u.Value)
			continue
		}
		out = append(out, u.Value)
	}
	return out
}

func (v *validator) applyRequirements(l list[scalar[string]], key string, def []Requirement) []Requirement {
	if l.Line == 0 {
		return slices.Clone(def)
	}
	names := make([]string, len(requirements))
	for i, q := range requirements {
		names[i] = string(q)
	}
	out := []Requirement{}
	for i, q := range l.Items {
		if !q.ok() {
			continue
		}
		if !slices.Contains(requirements, Requirement(q.Value)) {
			v.errs.add(q.Line, fmt.Sprintf("%s[%d]", key, i), "expected one of %s; got %q", strings.Join(names, ", "), q.Value)
			continue
		}
		out = append(out, Requirement(q.Value))
	}
	return out
}

// codeOwnersNeedApproved checks that a rule asking for code owners'
// approval has the approved requirement it refines.
func (v *validator) codeOwnersNeedApproved(rule ApplyRule, s scalar[bool], key string) {
	if rule.CodeOwners && !rule.Requires(RequireApproved) {
		v.errs.add(s.Line, key+".codeowners", "code owners' approval is part of the approved requirement: add approved to %s.requirements", key)
	}
}
