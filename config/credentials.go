package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// STS's limits on the sessions csocbot asks for.
const (
	defaultCredentialDuration = time.Hour
	minCredentialDuration     = 15 * time.Minute
	maxCredentialDuration     = 12 * time.Hour
)

var (
	// roleARNRE is an IAM role's ARN in any partition: the account, an
	// optional path and the role's name.
	roleARNRE = regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$`)
	// externalIDRE is what STS accepts in an external id, 2 to 1224 of
	// them.
	externalIDRE = regexp.MustCompile(`^[\w+=,.@:/-]*$`)
	// rolePatternRE is an IAM role's ARN in which * stands for any run of
	// characters: in the partition, the account or the role's path and
	// name.
	rolePatternRE = regexp.MustCompile(`^arn:(aws(-[a-z]+)*|[a-z*-]*\*[a-z*-]*):iam::([0-9]{12}|[0-9*]*\*[0-9*]*):role/[\w+=,.@*/-]*[\w+=,.@*-]$`)
	// credentialKinds are the profile kinds, as written in the file.
	credentialKinds = []CredentialKind{CredentialsAssumeRole, CredentialsEnvFile, CredentialsNone}
)

func (v *validator) credentials(r rawCredentials) Credentials {
	var c Credentials
	first := map[string]int{}
	for i, p := range r.Profiles.Items {
		if p.Line == 0 {
			continue // not a mapping, reported
		}
		key := fmt.Sprintf("credentials.profiles[%d]", i)
		switch {
		case !p.Name.present():
			v.errs.add(p.Line, key+".name", "required: the profile's name, like gen3-prod")
		case !p.Name.ok():
		case !wordRE.MatchString(p.Name.Value):
			v.errs.add(p.Name.Line, key+".name", "expected a word of letters, digits, - and _, like gen3-prod; got %q", p.Name.Value)
		default:
			if line, dup := first[p.Name.Value]; dup {
				v.errs.add(p.Name.Line, key+".name", "profile %s is defined twice (first at line %d)", p.Name.Value, line)
			}
			first[p.Name.Value] = p.Name.Line
		}
		c.Profiles = append(c.Profiles, v.credentialProfile(p, key))
	}
	c.Default = v.profileRef(r.Default, "credentials.default", c.Profiles)
	return c
}

// credentialProfile checks one profile: its kind, and the settings of
// that kind (and no others).
func (v *validator) credentialProfile(r rawCredentialProfile, key string) CredentialProfile {
	p := CredentialProfile{Name: r.Name.Value, Kind: CredentialKind(r.Kind.Value)}
	kinds := make([]string, len(credentialKinds))
	for i, k := range credentialKinds {
		kinds[i] = string(k)
	}
	switch {
	case !r.Kind.present():
		v.errs.add(r.Line, key+".kind", "required: %s", strings.Join(kinds, ", "))
		return p
	case !r.Kind.ok():
		return p
	case !slices.Contains(credentialKinds, p.Kind):
		v.errs.add(r.Kind.Line, key+".kind", "expected %s; got %q", strings.Join(kinds, ", "), r.Kind.Value)
		return p
	}
	// only reports the settings the profile's kind does not take.
	only := func(kind CredentialKind, name string, s scalar[string]) {
		if s.present() && p.Kind != kind {
			v.errs.add(s.Line, key+"."+name, "applies only to %s profiles; this one is %s", kind, p.Kind)
		}
	}
	only(CredentialsAssumeRole, "plan_role_arn", r.PlanRoleARN)
	only(CredentialsAssumeRole, "apply_role_arn", r.ApplyRoleARN)
	only(CredentialsAssumeRole, "external_id", r.ExternalID)
	only(CredentialsAssumeRole, "duration", r.Duration)
	only(CredentialsAssumeRole, "region", r.Region)
	only(CredentialsEnvFile, "env_file", r.EnvFile)
	for i, a := range r.AllowedRoles.Items {
		switch {
		case !a.ok():
		case !rolePatternRE.MatchString(a.Value):
			v.errs.add(a.Line, fmt.Sprintf("%s.allowed_roles[%d]", key, i), "expected an IAM role's ARN, where * matches any characters, like arn:aws:iam::123456789012:role/gen3-*; got %q", a.Value)
		case strings.HasSuffix(a.Value, ":role/*"):
			v.warns.add(a.Line, fmt.Sprintf("%s.allowed_roles[%d]", key, i), "allows every role of the account: pull request code could assume its most powerful role before anyone has reviewed it; list the roles, or a prefix like role/gen3-*")
			p.AllowedRoles = append(p.AllowedRoles, a.Value)
		default:
			p.AllowedRoles = append(p.AllowedRoles, a.Value)
		}
	}

	switch p.Kind {
	case CredentialsAssumeRole:
		p.PlanRoleARN = v.roleARN(r.PlanRoleARN, r.Line, key+".plan_role_arn")
		p.ApplyRoleARN = v.roleARN(r.ApplyRoleARN, r.Line, key+".apply_role_arn")
		if p.PlanRoleARN != "" && p.PlanRoleARN == p.ApplyRoleARN {
			v.warns.add(r.ApplyRoleARN.Line, key+".apply_role_arn", "is the plan role too: a plan runs pull request code before anyone has reviewed it, so give plans a role that can only read (and lock state)")
		}
		if r.ExternalID.ok() {
			p.ExternalID = r.ExternalID.Value
			if n := len(p.ExternalID); n < 2 || n > 1224 || !externalIDRE.MatchString(p.ExternalID) {
				v.errs.add(r.ExternalID.Line, key+".external_id", "expected 2 to 1224 letters, digits and _+=,.@:/-, as STS accepts")
			}
		}
		p.Duration = v.duration(r.Duration, key+".duration", defaultCredentialDuration)
		switch d := p.Duration; {
		case d < minCredentialDuration || d > maxCredentialDuration:
			v.errs.add(r.Duration.Line, key+".duration", "expected a duration from 15m to 12h (what STS allows); got %s", d)
		case d%time.Second != 0:
			v.errs.add(r.Duration.Line, key+".duration", "expected whole seconds; got %s", d)
		}
		if r.Region.ok() {
			p.Region = r.Region.Value
			if !regionRE.MatchString(p.Region) {
				v.errs.add(r.Region.Line, key+".region", "expected a region like us-east-1; got %q", p.Region)
			}
		}
	case CredentialsEnvFile:
		if !r.EnvFile.present() {
			v.errs.add(r.Line, key+".env_file", "required: the file of NAME=value lines runs get as environment variables")
			break
		}
		// The file is read again for every run, so that a rotated
		// secret is used without a restart; this only checks it is there.
		p.EnvFile, _, _ = v.file(r.EnvFile, key+".env_file")
	}
	return p
}

// roleARN checks a required IAM role ARN; parentLine is where its profile
// is.
func (v *validator) roleARN(s scalar[string], parentLine int, key string) string {
	switch {
	case !s.present():
		v.errs.add(parentLine, key, "required: an IAM role's ARN, like arn:aws:iam::123456789012:role/csocbot-plan")
	case !s.ok():
	case !roleARNRE.MatchString(s.Value):
		v.errs.add(s.Line, key, "expected an IAM role's ARN, like arn:aws:iam::123456789012:role/csocbot-plan; got %q", s.Value)
	default:
		return s.Value
	}
	return ""
}

// Profile returns the profile called name; false when there is none.
func (c Credentials) Profile(name string) (CredentialProfile, bool) {
	i := slices.IndexFunc(c.Profiles, func(p CredentialProfile) bool { return p.Name == name })
	if i < 0 {
		return CredentialProfile{}, false
	}
	return c.Profiles[i], true
}

// profileRef checks a reference to a credential profile.
func (v *validator) profileRef(s scalar[string], key string, profiles []CredentialProfile) string {
	if !s.ok() {
		return ""
	}
	if !slices.ContainsFunc(profiles, func(p CredentialProfile) bool { return p.Name == s.Value }) {
		v.errs.add(s.Line, key, "%q is not a profile defined under credentials.profiles", s.Value)
	}
	return s.Value
}
