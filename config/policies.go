package config

import (
	"cmp"
	"fmt"
	"os"
	"regexp"
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
		s.Owners = v.handles(r.Owners, key+".owners", loginRE, "expected a GitHub login, like alice; got %q (teams go under teams)")
		s.Teams = v.handles(r.Teams, key+".teams", teamRE, "expected a team as org/team-slug, like csoc/platform-leads; got %q")
		s.Approvals = v.number(r.Approvals, key+".approvals", 1, 0, maxApprovals)
		if s.Approvals > 0 && len(r.Owners.Items) == 0 && len(r.Teams.Items) == 0 {
			v.errs.add(cmp.Or(r.Approvals.Line, r.Line), key, "approvals is %d but the set has no owners or teams to approve; list them, or set approvals: 0 so that failures cannot be overridden", s.Approvals)
		}
		s.AuthorMayApprove = boolOr(r.AuthorMayApprove, false)
		s.Repositories = v.repositoryRefs(r.Repositories, key, repos)
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

// handles checks GitHub logins or team slugs against re, a leading @
// allowed; problem reports one that does not match.
func (v *validator) handles(l list[scalar[string]], key string, re *regexp.Regexp, problem string) []string {
	var out []string
	for j, h := range l.Items {
		if !h.ok() {
			continue
		}
		name := strings.TrimPrefix(h.Value, "@")
		if !re.MatchString(name) {
			v.errs.add(h.Line, fmt.Sprintf("%s[%d]", key, j), problem, h.Value)
			continue
		}
		out = append(out, name)
	}
	return out
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
