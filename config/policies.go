package config

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"
)

// maxApprovals bounds policies[].approvals; more owners than this never
// approve one pull request.
const maxApprovals = 10

func (v *validator) policies(l list[rawPolicySet], repos []Repository, envs []Environment) []PolicySet {
	first := map[string]int{}
	var sets []PolicySet
	for i, r := range l.Items {
		if r.Line == 0 {
			continue // not a mapping, reported
		}
		key := fmt.Sprintf("policies[%d]", i)
		s := PolicySet{Name: r.Name.Value}
		switch {
		case !r.Name.present():
			v.errs.add(r.Line, key+".name", "required: the policy set's name, like gen3")
		case !r.Name.ok():
		case !wordRE.MatchString(s.Name):
			v.errs.add(r.Name.Line, key+".name", "expected a word of letters, digits, - and _, like gen3; got %q", s.Name)
		default:
			if line, dup := first[s.Name]; dup {
				v.errs.add(r.Name.Line, key+".name", "policy set %s is defined twice (first at line %d)", s.Name, line)
			}
			first[s.Name] = r.Name.Line
		}
		s.Path = v.policyPath(r, key)
		for j, o := range r.Owners.Items {
			if !o.ok() {
				continue
			}
			login := strings.TrimPrefix(o.Value, "@")
			if !loginRE.MatchString(login) {
				v.errs.add(o.Line, fmt.Sprintf("%s.owners[%d]", key, j), "expected a GitHub login, like alice; got %q (teams go under teams)", o.Value)
				continue
			}
			s.Owners = append(s.Owners, login)
		}
		for j, t := range r.Teams.Items {
			if !t.ok() {
				continue
			}
			team := strings.TrimPrefix(t.Value, "@")
			if !teamRE.MatchString(team) {
				v.errs.add(t.Line, fmt.Sprintf("%s.teams[%d]", key, j), "expected a team as org/team-slug, like csoc/platform-leads; got %q", t.Value)
				continue
			}
			s.Teams = append(s.Teams, team)
		}
		s.Approvals = v.number(r.Approvals, key+".approvals", 1, 0, maxApprovals)
		if s.Approvals > 0 && len(r.Owners.Items) == 0 && len(r.Teams.Items) == 0 {
			v.errs.add(cmp.Or(r.Approvals.Line, r.Line), key, "approvals is %d but the set has no owners or teams to approve; list them, or set approvals: 0 so that failures cannot be overridden", s.Approvals)
		}
		s.AuthorMayApprove = boolOr(r.AuthorMayApprove, false)
		for j, name := range r.Repositories.Items {
			if !name.ok() {
				continue
			}
			if !slices.ContainsFunc(repos, func(r Repository) bool { return strings.EqualFold(r.Name, name.Value) }) {
				v.errs.add(name.Line, fmt.Sprintf("%s.repositories[%d]", key, j), "%q is not one of the repositories listed under repositories", name.Value)
			}
			s.Repositories = append(s.Repositories, name.Value)
		}
		for j, env := range r.Environments.Items {
			if !env.ok() {
				continue
			}
			if !slices.ContainsFunc(envs, func(e Environment) bool { return e.Name == env.Value }) {
				v.errs.add(env.Line, fmt.Sprintf("%s.environments[%d]", key, j), "%q is not an environment defined under environments", env.Value)
			}
			s.Environments = append(s.Environments, env.Value)
		}
		sets = append(sets, s)
	}
	return sets
}

// policyPath resolves a policy set's path, which must be a folder or an
// OPA bundle file.
func (v *validator) policyPath(r rawPolicySet, key string) string {
	if !r.Path.present() {
		v.errs.add(r.Line, key+".path", "required: the folder of the set's .rego files, or an OPA bundle (.tar.gz)")
		return ""
	}
	p := v.path(r.Path, key+".path", "")
	if p == "" {
		return ""
	}
	info, err := os.Stat(p)
	switch {
	case err != nil:
		v.errs.add(r.Path.Line, key+".path", "cannot use %s: %v", p, err)
	case !info.IsDir() && !strings.HasSuffix(p, ".tar.gz"):
		v.errs.add(r.Path.Line, key+".path", "%s is neither a folder nor an OPA bundle (.tar.gz)", p)
	}
	return p
}
