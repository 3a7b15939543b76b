package config

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCredentials(t *testing.T) {
	c, err := parse(base + `environments:
  - {name: prod, paths: ['live/prod/**'], credentials: prod}
  - {name: dev, paths: ['live/dev/**']}
  - {name: lab, paths: ['live/lab/**'], credentials: off}
credentials:
  default: dev
  profiles:
    - name: prod
      kind: aws_assume_role
      plan_role_arn: arn:aws:iam::123456789012:role/csocbot-plan
      apply_role_arn: arn:aws-us-gov:iam::123456789012:role/ops/csocbot-apply
      external_id: gen3-csoc
      duration: 12h
      region: us-west-2
      allowed_roles:
        - arn:aws:iam::123456789012:role/gen3-*
        - arn:aws:iam::*:role/ops/csocbot-read
        - arn:aws-us-gov:iam::123456789012:role/eks-admin
    - name: dev
      kind: aws_assume_role
      plan_role_arn: arn:aws:iam::210987654321:role/plan
      apply_role_arn: arn:aws:iam::210987654321:role/apply
    - {name: cloud, kind: static_env_file, env_file: /run/token}
    - {name: "off", kind: none, allowed_roles: ['arn:*:iam::*:role/gen3-*']}
`)
	if err != nil {
		t.Fatal(err)
	}
	want := Credentials{
		Default: "dev",
		Profiles: []CredentialProfile{
			{Name: "prod", Kind: CredentialsAssumeRole, PlanRoleARN: "arn:aws:iam::123456789012:role/csocbot-plan",
				ApplyRoleARN: "arn:aws-us-gov:iam::123456789012:role/ops/csocbot-apply", ExternalID: "gen3-csoc", Duration: 12 * time.Hour, Region: "us-west-2",
				AllowedRoles: []string{"arn:aws:iam::123456789012:role/gen3-*", "arn:aws:iam::*:role/ops/csocbot-read", "arn:aws-us-gov:iam::123456789012:role/eks-admin"}},
			{Name: "dev", Kind: CredentialsAssumeRole, PlanRoleARN: "arn:aws:iam::210987654321:role/plan",
				ApplyRoleARN: "arn:aws:iam::210987654321:role/apply", Duration: time.Hour},
			{Name: "cloud", Kind: CredentialsEnvFile, EnvFile: "/run/token"},
			{Name: "off", Kind: CredentialsNone, AllowedRoles: []string{"arn:*:iam::*:role/gen3-*"}},
		},
	}
	if !reflect.DeepEqual(c.Credentials, want) {
		t.Errorf("credentials\n got %+v\nwant %+v", c.Credentials, want)
	}
	if len(c.Warnings) > 0 {
		t.Errorf("warnings: %q", c.Warnings)
	}
	for unit, want := range map[string]string{"live/prod/eks": "prod", "live/dev/eks": "dev", "live/lab/eks": "off", "modules/vpc": "dev"} {
		if got := c.CredentialsOf("csoc/infra", unit); got != want {
			t.Errorf("CredentialsOf(%q) = %q, want %q", unit, got, want)
		}
	}

	c, err = parse(base + "environments:\n  - {name: prod, paths: ['**']}\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.CredentialsOf("csoc/infra", "live/prod/eks"); got != "" {
		t.Errorf("without profiles, CredentialsOf = %q, want none", got)
	}
}

func TestCredentialErrors(t *testing.T) {
	const plan, apply = "arn:aws:iam::123456789012:role/plan", "arn:aws:iam::123456789012:role/apply"
	profile := func(lines ...string) string {
		return "credentials:\n  profiles:\n    - name: p\n" + strings.Join(lines, "") // the profile is at line 8
	}
	assume := profile("      kind: aws_assume_role\n      plan_role_arn: " + plan + "\n      apply_role_arn: " + apply + "\n") // settings from line 12
	for _, tc := range []struct {
		name string
		yaml string
		want []string
	}{
		{"fields missing", "credentials:\n  profiles:\n    - region: us-east-1\n", []string{
			"config.yaml:8: credentials.profiles[0].name: required: the profile's name, like gen3-prod",
			"config.yaml:8: credentials.profiles[0].kind: required: aws_assume_role, static_env_file, none",
		}},
		{"bad name and kind", "credentials:\n  profiles:\n    - {name: 'gen3 prod', kind: vault}\n", []string{
			`config.yaml:8: credentials.profiles[0].name: expected a word of letters, digits, - and _, like gen3-prod; got "gen3 prod"`,
			`config.yaml:8: credentials.profiles[0].kind: expected aws_assume_role, static_env_file, none; got "vault"`,
		}},
		{"twice", "credentials:\n  profiles:\n    - {name: p, kind: none}\n    - {name: p, kind: none}\n", []string{
			"config.yaml:9: credentials.profiles[1].name: profile p is defined twice (first at line 8)",
		}},
		{"roles missing", profile("      kind: aws_assume_role\n"), []string{
			"config.yaml:8: credentials.profiles[0].plan_role_arn: required: an IAM role's ARN, like arn:aws:iam::123456789012:role/csocbot-plan",
			"config.yaml:8: credentials.profiles[0].apply_role_arn: required: an IAM role's ARN",
		}},
		{"bad roles", profile("      kind: aws_assume_role\n      plan_role_arn: arn:aws:iam::1234:role/plan\n      apply_role_arn: arn:aws:iam::123456789012:user/apply\n"), []string{
			`config.yaml:10: credentials.profiles[0].plan_role_arn: expected an IAM role's ARN, like arn:aws:iam::123456789012:role/csocbot-plan; got "arn:aws:iam::1234:role/plan"`,
			`config.yaml:11: credentials.profiles[0].apply_role_arn: expected an IAM role's ARN, like arn:aws:iam::123456789012:role/csocbot-plan; got "arn:aws:iam::123456789012:user/apply"`,
		}},
		{"role name too long", profile("      kind: aws_assume_role\n      plan_role_arn: arn:aws:iam::123456789012:role/" + strings.Repeat("r", 65) + "\n      apply_role_arn: " + apply + "\n"), []string{
			"config.yaml:10: credentials.profiles[0].plan_role_arn: expected an IAM role's ARN",
		}},
		{"external id", assume + "      external_id: 'a b'\n", []string{
			"config.yaml:12: credentials.profiles[0].external_id: expected 2 to 1224 letters, digits and _+=,.@:/-, as STS accepts",
		}},
		{"external id too short", assume + "      external_id: x\n", []string{
			"config.yaml:12: credentials.profiles[0].external_id: expected 2 to 1224 letters",
		}},
		{"duration too short", assume + "      duration: 10m\n", []string{
			"config.yaml:12: credentials.profiles[0].duration: expected a duration from 15m to 12h (what STS allows); got 10m0s",
		}},
		{"duration too long", assume + "      duration: 13h\n", []string{
			"config.yaml:12: credentials.profiles[0].duration: expected a duration from 15m to 12h (what STS allows); got 13h0m0s",
		}},
		{"duration fraction", assume + "      duration: 30m0.5s\n", []string{
			"config.yaml:12: credentials.profiles[0].duration: expected whole seconds; got 30m0.5s",
		}},
		{"duration not one", assume + "      duration: forever\n", []string{
			`config.yaml:12: credentials.profiles[0].duration: expected a positive duration like 30m or 1h30m; got "forever"`,
		}},
		{"region", assume + "      region: europe\n", []string{
			`config.yaml:12: credentials.profiles[0].region: expected a region like us-east-1; got "europe"`,
		}},
		{"allowed roles", assume + "      allowed_roles:\n        - arn:aws:iam::123456789012:role/gen3-*\n        - arn:aws:iam::123456789012:user/alice\n        - arn:aws:iam::1234:role/x\n        - arn:aws:iam::123456789012:role/a?b\n        - arn:aws:iam::123456789012:role/dir/\n        - gen3-*\n", []string{
			`config.yaml:14: credentials.profiles[0].allowed_roles[1]: expected an IAM role's ARN, where * matches any characters, like arn:aws:iam::123456789012:role/gen3-*; got "arn:aws:iam::123456789012:user/alice"`,
			`config.yaml:15: credentials.profiles[0].allowed_roles[2]: expected an IAM role's ARN`,
			`config.yaml:16: credentials.profiles[0].allowed_roles[3]: expected an IAM role's ARN`,
			`config.yaml:17: credentials.profiles[0].allowed_roles[4]: expected an IAM role's ARN`,
			`config.yaml:18: credentials.profiles[0].allowed_roles[5]: expected an IAM role's ARN`,
		}},
		{"allowed roles not a list", assume + "      allowed_roles: arn:aws:iam::123456789012:role/x\n", []string{
			"config.yaml:12: credentials.profiles[0].allowed_roles: expected a list",
		}},
		{"settings of another kind", profile("      kind: none\n      region: us-east-1\n      env_file: /run/token\n      plan_role_arn: " + plan + "\n"), []string{
			"config.yaml:10: credentials.profiles[0].region: applies only to aws_assume_role profiles; this one is none",
			"config.yaml:11: credentials.profiles[0].env_file: applies only to static_env_file profiles; this one is none",
			"config.yaml:12: credentials.profiles[0].plan_role_arn: applies only to aws_assume_role profiles; this one is none",
		}},
		{"env file missing", profile("      kind: static_env_file\n"), []string{
			"config.yaml:8: credentials.profiles[0].env_file: required: the file of NAME=value lines runs get as environment variables",
		}},
		{"env file absent", profile("      kind: static_env_file\n      env_file: /run/nope.env\n"), []string{
			"config.yaml:10: credentials.profiles[0].env_file: file /run/nope.env does not exist",
		}},
		{"env file with a role", profile("      kind: static_env_file\n      env_file: /run/token\n      apply_role_arn: " + apply + "\n"), []string{
			"config.yaml:11: credentials.profiles[0].apply_role_arn: applies only to aws_assume_role profiles; this one is static_env_file",
		}},
		{"unknown default", "credentials:\n  default: prod\n", []string{
			`config.yaml:7: credentials.default: "prod" is not a profile defined under credentials.profiles`,
		}},
		{"unknown environment profile", "environments:\n  - {name: prod, paths: ['**'], credentials: prod}\n", []string{
			`config.yaml:7: environments[0].credentials: "prod" is not a profile defined under credentials.profiles`,
		}},
		{"unknown key", profile("      kind: none\n      plan_role: x\n"), []string{
			"config.yaml:10: credentials.profiles[0].plan_role: unknown key; did you mean credentials.profiles[0].plan_role_arn?",
		}},
		{"profiles not a list", "credentials:\n  profiles: {name: p}\n", []string{
			"config.yaml:7: credentials.profiles: expected a list, got a mapping",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(base + tc.yaml)
			if err == nil {
				t.Fatal("no error")
			}
			got := strings.Split(err.Error(), "\n")
			ok := len(got) == len(tc.want)
			for i := 0; ok && i < len(got); i++ {
				ok = strings.HasPrefix(got[i], tc.want[i])
			}
			if !ok {
				t.Errorf("errors:\n%s\nwant (prefixes):\n%s", err, strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestCredentialWarnings(t *testing.T) {
	c, err := parse(base + `credentials:
  profiles:
    - name: p
      kind: aws_assume_role
      plan_role_arn: arn:aws:iam::123456789012:role/admin
      apply_role_arn: arn:aws:iam::123456789012:role/admin
      allowed_roles: ['arn:aws:iam::123456789012:role/*', 'arn:aws:iam::123456789012:role/gen3-*']
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"config.yaml:11: credentials.profiles[0].apply_role_arn: is the plan role too: a plan runs pull request code before anyone has reviewed it, so give plans a role that can only read (and lock state)",
		"config.yaml:12: credentials.profiles[0].allowed_roles[0]: allows every role of the account: pull request code could assume its most powerful role before anyone has reviewed it; list the roles, or a prefix like role/gen3-*",
	}
	if !slices.Equal(c.Warnings, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(c.Warnings, "\n"), strings.Join(want, "\n"))
	}
}
