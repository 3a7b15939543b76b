package config

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// slackTestToken and slackTestSigningSecret are the Slack secrets of these
// tests, in SLACK_TOKEN and SLACK_SIGNING; no message may print them.
const (
	slackTestToken         = "xoxb-1234-5678-s3cret"
	slackTestSigningSecret = "8f742231b10e8888abcd99yyyzzz85a5"
)

// parseSlack parses like parse, with the Slack secrets in the environment.
func parseSlack(yaml string) (*Config, error) {
	env := func(name string) (string, bool) {
		switch name {
		case "SLACK_TOKEN":
			return slackTestToken, true
		case "SLACK_SIGNING":
			return slackTestSigningSecret, true
		}
		return lookupTestEnv(name)
	}
	return Parse([]byte(yaml), "config.yaml", env, readTestFile)
}

func TestSlack(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       *Slack // nil: Slack is off
		signing    string // the signing secret, "" for none
	}{
		{name: "absent", yaml: base},
		{name: "null", yaml: base + "slack:\n"},
		{
			name: "defaults",
			yaml: base + "slack:\n  token_env: SLACK_TOKEN\n  default_channel: \"#csoc\"\n",
			want: &Slack{APIURL: "https://slack.com/api/", DefaultChannel: "#csoc"},
		},
		{
			name: "everything",
			yaml: base + `environments: [{name: prod, paths: ["live/prod/**"]}]
slack:
  token_env: SLACK_TOKEN
  signing_secret_env: SLACK_SIGNING
  api_url: https://slack.example.com/api
  default_channel: C0123ABCD
  default_events: [plan_ready, merged, plan_ready]
  oncall_group: S0123ABCD
  routes:
    - channel: "#csoc-prod"
      repositories: [csoc/infra]
      environments: [prod]
      events: [apply_started, apply_finished]
    - {channel: "#gen3-ñandú_2", disable: [plan_ready]}
`,
			want: &Slack{
				APIURL:         "https://slack.example.com/api/",
				DefaultChannel: "C0123ABCD",
				DefaultEvents:  []string{"plan_ready", "merged"},
				OncallGroup:    "S0123ABCD",
				Routes: []SlackRoute{
					{Channel: "#csoc-prod", Repositories: []string{"csoc/infra"}, Environments: []string{"prod"}, Events: []string{"apply_started", "apply_finished"}},
					{Channel: "#gen3-ñandú_2", Disable: []string{"plan_ready"}},
				},
			},
			signing: slackTestSigningSecret,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseSlack(tc.yaml)
			if err != nil {
				t.Fatal(err)
			}
			got := c.Slack
			if tc.want == nil {
				if got != nil {
					t.Errorf("Slack %+v, want it off", got)
				}
				return
			}
			if got == nil {
				t.Fatal("Slack is off")
			}
			if got.Token.Reveal() != slackTestToken || got.SigningSecret.Reveal() != tc.signing {
				t.Errorf("token %q, signing secret %q; want %q and %q", got.Token.Reveal(), got.SigningSecret.Reveal(), slackTestToken, tc.signing)
			}
			if got.APIURL != tc.want.APIURL || got.DefaultChannel != tc.want.DefaultChannel || got.OncallGroup != tc.want.OncallGroup ||
				!slices.Equal(got.DefaultEvents, tc.want.DefaultEvents) ||
				!slices.EqualFunc(got.Routes, tc.want.Routes, routesEqual) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func routesEqual(a, b SlackRoute) bool {
	return a.Channel == b.Channel && slices.Equal(a.Repositories, b.Repositories) && slices.Equal(a.Environments, b.Environments) &&
		slices.Equal(a.Events, b.Events) && slices.Equal(a.Disable, b.Disable)
}

func TestSlackChannels(t *testing.T) {
	c, err := parseSlack(base + `  - {name: csoc/gitops, kind: gitops}
environments:
  - {name: prod, paths: ["live/prod/**"]}
  - {name: staging, paths: ["live/staging/**"]}
slack:
  token_env: SLACK_TOKEN
  default_channel: "#csoc-notifications"
  default_events: [plan_ready, apply_finished, merged]
  routes:
    - {channel: "#csoc-prod", environments: [prod], events: [apply_started, apply_finished]}
    - {channel: C0123ABCD, repositories: [CSOC/GitOps], disable: [plan_ready]}
    - {channel: "#csoc-notifications", environments: [staging]}
`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		repo, env, kind string
		want            []string
	}{
		{"csoc/infra", "prod", "apply_finished", []string{"#csoc-notifications", "#csoc-prod"}},
		{"csoc/infra", "prod", "apply_started", []string{"#csoc-prod"}},           // default_events leaves it out
		{"csoc/infra", "prod", "plan_ready", []string{"#csoc-notifications"}},     // the prod route leaves it out
		{"csoc/infra", "", "apply_started", nil},                                  // no environment: not prod's
		{"csoc/infra", "staging", "interrupted", []string{"#csoc-notifications"}}, // a route adds the default channel back
		{"csoc/infra", "staging", "plan_ready", []string{"#csoc-notifications"}},  // once
		{"csoc/gitops", "prod", "apply_finished", []string{"#csoc-notifications", "#csoc-prod", "C0123ABCD"}},
		{"csoc/gitops", "", "plan_ready", []string{"#csoc-notifications"}}, // disabled
		{"Csoc/GITOPS", "", "merged", []string{"#csoc-notifications", "C0123ABCD"}},
		{"csoc/gitops", "", "lock_conflict", []string{"C0123ABCD"}},
	} {
		if got := c.Slack.Channels(tc.repo, tc.env, tc.kind); !slices.Equal(got, tc.want) {
			t.Errorf("Channels(%q, %q, %q) = %q, want %q", tc.repo, tc.env, tc.kind, got, tc.want)
		}
	}
}

func TestSlackErrors(t *testing.T) {
	const slack = base + "slack:\n  token_env: SLACK_TOKEN\n" // slack at line 6
	// Each case lists every problem Parse must report, in order.
	for _, tc := range []struct {
		name string
		yaml string
		want []string
	}{
		{"no token", base + "slack: {default_channel: \"#csoc\"}\n", []string{
			"config.yaml:6: slack: set token_file, the path of a file holding the Slack bot token (xoxb-…), or token_env, the name of an environment variable holding it; or remove slack to turn Slack off",
		}},
		{"inline token", base + "slack:\n  token: " + slackTestToken + "\n  default_channel: \"#csoc\"\n", []string{
			"config.yaml:6: slack: set token_file",
			"config.yaml:7: slack.token: unknown key; did you mean slack.token_file?",
		}},
		{"token file and env", slack + "  token_file: /run/token\n  default_channel: \"#csoc\"\n", []string{
			"config.yaml:7: slack.token_env: set slack.token_file or slack.token_env, not both",
		}},
		{"token file missing", base + "slack: {token_file: /run/nope, default_channel: \"#csoc\"}\n", []string{
			"config.yaml:6: slack.token_file: file /run/nope does not exist",
		}},
		{"not a Slack token", base + "slack: {token_env: TOKEN, default_channel: \"#csoc\"}\n", []string{
			"config.yaml:6: slack.token_env: does not hold a Slack token (they start with xoxb-); give the bot token from the Slack app's OAuth & Permissions page, not its signing secret",
		}},
		{"not a Slack token, in a file", base + "slack:\n  default_channel: \"#csoc\"\n  token_file: /run/token\n", []string{
			"config.yaml:8: slack.token_file: does not hold a Slack token",
		}},
		{"signing secret unset", slack + "  default_channel: \"#csoc\"\n  signing_secret_env: NOPE\n", []string{
			"config.yaml:9: slack.signing_secret_env: environment variable NOPE is not set",
		}},
		{"no default channel", slack, []string{
			`config.yaml:6: slack.default_channel: required: the channel that gets every event, a name like "#csoc-notifications" (quoted: in YAML an unquoted # starts a comment) or a channel id like C0123ABCD`,
		}},
		{"unquoted channel: a comment", slack + "  default_channel: #csoc\n", []string{
			"config.yaml:6: slack.default_channel: required",
		}},
		{"channel without #", slack + "  default_channel: csoc-prod\n", []string{
			`config.yaml:8: slack.default_channel: expected a channel name starting with #, quoted: "#csoc-prod" (in YAML an unquoted # starts a comment), or a channel id like C0123ABCD; got "csoc-prod"`,
		}},
		{"channel in upper case", slack + "  default_channel: \"#CSOC-Prod\"\n", []string{
			`config.yaml:8: slack.default_channel: Slack channel names are lower case: #csoc-prod; got "#CSOC-Prod"`,
		}},
		{"channel neither name nor id", slack + "  default_channel: \"#csoc prod\"\n", []string{
			`config.yaml:8: slack.default_channel: expected a channel name like "#csoc-prod" (lower case letters, digits, - and _; quoted) or a channel id like C0123ABCD; got "#csoc prod"`,
		}},
		{"api url not https", slack + "  default_channel: \"#csoc\"\n  api_url: http://slack.com/api/\n", []string{
			`config.yaml:9: slack.api_url: expected an https URL like https://slack.com/api/; got "http://slack.com/api/"`,
		}},
		{"on-call handle", slack + "  default_channel: \"#csoc\"\n  oncall_group: \"@csoc-oncall\"\n", []string{
			`config.yaml:9: slack.oncall_group: expected the id of a Slack user group, like S0123ABCD (the group's page shows it; a @handle cannot be mentioned by a bot); got "@csoc-oncall"`,
		}},
		{"unknown event", slack + "  default_channel: \"#csoc\"\n  default_events: [plan_ready, apply]\n", []string{
			`config.yaml:9: slack.default_events[1]: unknown event "apply"; expected one of plan_ready, plan_failed, policy_denied, override, lock_conflict, apply_started, apply_finished, interrupted, values_changed, synced, merged, closed`,
		}},
		{"bad routes", base + `environments: [{name: prod, paths: ["live/prod/**"]}]
slack:
  token_env: SLACK_TOKEN
  default_channel: "#csoc"
  routes:
    - repositories: [csoc/other]
      environments: [production]
    - channel: "#csoc-prod"
      events: [apply_finished, plan_ready]
      disable: [plan_ready, applied]
    - not a route
`, []string{
			`config.yaml:11: slack.routes[0].channel: required: the channel the route adds, a name like "#csoc-prod" (quoted) or a channel id like C0123ABCD`,
			`config.yaml:11: slack.routes[0].repositories[0]: "csoc/other" is not one of the repositories listed under repositories`,
			`config.yaml:12: slack.routes[0].environments[0]: "production" is not an environment defined under environments`,
			`config.yaml:15: slack.routes[1].disable[0]: plan_ready is listed under events too; keep it in one of the two`,
			`config.yaml:15: slack.routes[1].disable[1]: unknown event "applied"`,
			`config.yaml:16: slack.routes[2]: expected a mapping of keys to values, got "not a route"`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseSlack(tc.yaml)
			if err == nil {
				t.Fatalf("no error; Slack %+v", c.Slack)
			}
			if strings.Contains(err.Error(), slackTestToken) || strings.Contains(err.Error(), "t0ken") {
				t.Errorf("an error prints the token:\n%s", err)
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

// TestSlackExample checks that example.yaml's slack block, uncommented, is
// valid and routes as its comments say, and that its secrets are never
// printed.
func TestSlackExample(t *testing.T) {
	data, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	start := slices.Index(lines, "# slack:")
	if start < 0 {
		t.Fatal(`example.yaml has no line "# slack:"`)
	}
	lines[start] = "slack:"
	for i := start + 1; i < len(lines) && strings.HasPrefix(lines[i], "#   "); i++ {
		lines[i] = strings.TrimPrefix(lines[i], "# ")
	}
	secrets := map[string]string{
		"/run/secrets/csocbot-slack-token":          slackTestToken + "\n",
		"/run/secrets/csocbot-slack-signing-secret": slackTestSigningSecret + "\n",
	}
	c, err := Parse([]byte(strings.Join(lines, "\n")), "example.yaml", lookupTestEnv, func(name string) ([]byte, error) {
		if s, ok := secrets[name]; ok {
			return []byte(s), nil
		}
		return os.ReadFile(name)
	})
	if err != nil {
		t.Fatal(err)
	}
	s := c.Slack
	if s == nil || s.Token.Reveal() != slackTestToken || s.SigningSecret.Reveal() != slackTestSigningSecret ||
		s.DefaultChannel != "#csoc-notifications" || s.OncallGroup != "S0123ABCD" || len(s.Routes) != 2 {
		t.Fatalf("Slack %+v", s)
	}
	for _, tc := range []struct {
		repo, env, kind string
		want            []string
	}{
		{"csoc/gen3-infra", "prod", "apply_started", []string{"#csoc-notifications", "#csoc-prod"}},
		{"csoc/gen3-infra", "prod", "plan_ready", []string{"#csoc-notifications"}},
		{"csoc/gen3-gitops", "prod", "plan_ready", []string{"#csoc-notifications"}},
		{"csoc/gen3-gitops", "", "synced", []string{"#csoc-notifications", "C0123ABCD"}},
	} {
		if got := s.Channels(tc.repo, tc.env, tc.kind); !slices.Equal(got, tc.want) {
			t.Errorf("Channels(%q, %q, %q) = %q, want %q", tc.repo, tc.env, tc.kind, got, tc.want)
		}
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if p := fmt.Sprintf(verb, s); strings.Contains(p, slackTestToken) || strings.Contains(p, slackTestSigningSecret) {
			t.Errorf("%s prints a secret: %s", verb, p)
		}
	}
}
