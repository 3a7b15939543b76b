// Package credentials mints the cloud credentials of one run (one unit's
// plan or apply) from a credential profile of the server configuration:
// an AWS role assumed with STS (aws_assume_role), variables read from a
// file (static_env_file), or nothing (none).
//
// Credentials are environment variables for that run's terraform and
// nothing else: no printed form of them (fmt with any verb, log/slog,
// encoding/json) shows their values, so that they cannot reach logs,
// comments or the store by accident. Only Environ returns the values. What may be recorded (the profile, the role
// ARN and the expiry) is in exported fields.
package credentials

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/csocbot/csocbot/config"
)

// Purpose is what a run does, which decides the role it gets.
type Purpose string

// The purposes.
const (
	// Plan runs pull request code before review: it gets the plan role.
	Plan Purpose = "plan"
	// Apply changes infrastructure: it gets the apply role.
	Apply Purpose = "apply"
)

// Request says whose run credentials are minted for. Everything in it is
// recorded with the session (its name and tags), so that the cloud's audit
// log (CloudTrail) shows who caused each call.
type Request struct {
	Purpose Purpose
	// Repo is the repository as owner/name.
	Repo string
	// PR is the pull request's number.
	PR int
	// User is the GitHub login the run is for: who commented, or the
	// pull request's author for an automatic plan.
	User string
	// HeadSHA is the commit the run is of.
	HeadSHA string
}

// check reports a request missing what sessions are named and tagged
// with.
func (r Request) check() error {
	var problems []string
	if r.Purpose != Plan && r.Purpose != Apply {
		problems = append(problems, fmt.Sprintf("purpose %q is neither plan nor apply", r.Purpose))
	}
	if r.Repo == "" {
		problems = append(problems, "no repository")
	}
	if r.PR <= 0 {
		problems = append(problems, "no pull request")
	}
	if r.User == "" {
		problems = append(problems, "no user")
	}
	if r.HeadSHA == "" {
		problems = append(problems, "no head commit")
	}
	if problems != nil {
		return fmt.Errorf("credentials request: %s", strings.Join(problems, ", "))
	}
	return nil
}

// redacted stands for every value of Credentials when they are printed.
const redacted = "[redacted]"

// Credentials are the cloud credentials of one run.
type Credentials struct {
	// Profile is the name of the profile that minted them; "" when none
	// was configured.
	Profile string
	// RoleARN is the role assumed, "" when none was; safe to record.
	RoleARN string
	// Expires is when they stop working; zero when they do not expire.
	Expires time.Time
	// env is the variables as NAME=value, sorted by name, joined by NULs
	// (which no variable can hold). It is a pointer to a string because
	// where fmt cannot call Format (in a field that is not exported, or
	// in what it prints after a bad verb) it prints such a pointer as an
	// address, where it would print a pointer to a slice or struct whole.
	env *string
}

type variable struct{ name, value string }

// newCredentials sorts vars by name; names are unique.
func newCredentials(profile, roleARN string, expires time.Time, vars []variable) Credentials {
	slices.SortFunc(vars, func(a, b variable) int { return strings.Compare(a.name, b.name) })
	entries := make([]string, len(vars))
	for i, v := range vars {
		entries[i] = v.name + "=" + v.value
	}
	env := strings.Join(entries, "\x00")
	return Credentials{Profile: profile, RoleARN: roleARN, Expires: expires, env: &env}
}

// Environ returns the variables as NAME=value, sorted by name, for the
// Env of the run's terraform processes (added to what they get anyway).
// It is the one way to read the secret values.
func (c Credentials) Environ() []string {
	if c.env == nil || *c.env == "" {
		return nil
	}
	return strings.Split(*c.env, "\x00")
}

// Names returns the variables' names, sorted.
func (c Credentials) Names() []string {
	env := c.Environ()
	for i, e := range env {
		env[i], _, _ = strings.Cut(e, "=")
	}
	return env
}

// String describes the credentials with every value redacted, like
// "credentials of profile prod for role arn:aws:iam::123456789012:role/plan
// until 2026-12-03T20:00:00Z: AWS_ACCESS_KEY_ID=[redacted] …".
func (c Credentials) String() string {
	var b strings.Builder
	b.WriteString("credentials")
	if c.Profile != "" {
		b.WriteString(" of profile " + c.Profile)
	}
	if c.RoleARN != "" {
		b.WriteString(" for role " + c.RoleARN)
	}
	if !c.Expires.IsZero() {
		b.WriteString(" until " + c.Expires.UTC().Format(time.RFC3339))
	}
	names := c.Names()
	if len(names) == 0 {
		b.WriteString(": no variables")
		return b.String()
	}
	b.WriteString(":")
	for _, n := range names {
		b.WriteString(" " + n + "=" + redacted)
	}
	return b.String()
}

// GoString is String, for %#v.
func (c Credentials) GoString() string { return c.String() }

// Format prints String whatever the verb, so that no verb (%x, %d, %+v,
// …) prints the values.
func (c Credentials) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// LogValue is a group of the profile, the role, the expiry and the
// variables' names, for log/slog.
func (c Credentials) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("profile", c.Profile)}
	if c.RoleARN != "" {
		attrs = append(attrs, slog.String("role_arn", c.RoleARN))
	}
	if !c.Expires.IsZero() {
		attrs = append(attrs, slog.Time("expires", c.Expires))
	}
	attrs = append(attrs, slog.String("env", strings.Join(c.Names(), ",")))
	return slog.GroupValue(attrs...)
}

// Profile mints credentials for runs.
type Profile interface {
	Mint(ctx context.Context, req Request) (Credentials, error)
}

// None is a profile of kind none: runs get no variables.
type None struct {
	// Name is the profile's name, "" when no profile was configured.
	Name string
}

// Mint returns empty credentials.
func (n None) Mint(_ context.Context, req Request) (Credentials, error) {
	if err := req.check(); err != nil {
		return Credentials{}, err
	}
	return newCredentials(n.Name, "", time.Time{}, nil), nil
}

// Options say how profiles reach AWS. The zero Options use the bot's own
// credentials from the standard chain and STS's regional endpoints.
type Options struct {
	// AWS is the bot's own AWS configuration: the base credentials roles
	// are assumed with, and the region STS is called in when a profile
	// names none. nil loads the standard chain (environment variables,
	// shared files, web identity as IRSA sets it up on EKS, instance
	// metadata) when the configuration has an aws_assume_role profile.
	AWS *aws.Config
	// STSEndpoint replaces STS's endpoint, such as a VPC endpoint's URL or
	// a fake's in tests; "" for STS's own.
	STSEndpoint string
}

// Profiles are a configuration's credential profiles.
type Profiles struct {
	byName map[string]Profile
}

// New makes the profiles of c. It reads nothing secret: credentials are
// minted, and env files read, for each run.
func New(ctx context.Context, c config.Credentials, opts Options) (*Profiles, error) {
	p := &Profiles{byName: make(map[string]Profile, len(c.Profiles))}
	for _, prof := range c.Profiles {
		switch prof.Kind {
		case config.CredentialsAssumeRole:
			if opts.AWS == nil {
				cfg, err := awsconfig.LoadDefaultConfig(ctx)
				if err != nil {
					return nil, fmt.Errorf("credentials profile %s: load csocbot's own AWS configuration: %w", prof.Name, err)
				}
				opts.AWS = &cfg
			}
			p.byName[prof.Name] = NewAssumeRole(prof, *opts.AWS, opts.STSEndpoint)
		case config.CredentialsEnvFile:
			p.byName[prof.Name] = EnvFile{Name: prof.Name, Path: prof.EnvFile}
		case config.CredentialsNone:
			p.byName[prof.Name] = None{Name: prof.Name}
		default:
			return nil, fmt.Errorf("credentials profile %s: unknown kind %q", prof.Name, prof.Kind)
		}
	}
	return p, nil
}

// Mint mints credentials from the profile named profile (as
// config.Config.CredentialsOf returns it; "" gives no credentials).
func (p *Profiles) Mint(ctx context.Context, profile string, req Request) (Credentials, error) {
	if profile == "" {
		return None{}.Mint(ctx, req)
	}
	prof, ok := p.byName[profile]
	if !ok {
		return Credentials{}, errors.New("no credentials profile named " + profile)
	}
	return prof.Mint(ctx, req)
}
