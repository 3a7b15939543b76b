package config

import (
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// testEnv and testFiles are what Parse sees in these tests.
var (
	testEnv = map[string]string{
		"TOKEN":                  "t0ken",
		"HOOK":                   "h00k",
		"EMPTY":                  "  ",
		"CSOCBOT_GITHUB_TOKEN":   "ghp_exampletoken",
		"CSOCBOT_WEBHOOK_SECRET": "example-webhook-secret",
	}
	testFiles = map[string]string{
		"/run/token":    "file-t0ken\n",
		"/run/empty":    "\n",
		"/keys/app.pem": "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n",
		"/keys/not.pem": "not a key\n",
		"/etc/tf.rc":    "provider_installation {}\n",
	}
)

func lookupTestEnv(name string) (string, bool) {
	v, ok := testEnv[name]
	return v, ok
}

func readTestFile(name string) ([]byte, error) {
	if data, ok := testFiles[name]; ok {
		return []byte(data), nil
	}
	if name == "/run/denied" {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

func parse(yaml string) (*Config, error) {
	return Parse([]byte(yaml), "config.yaml", lookupTestEnv, readTestFile)
}

// base is the smallest valid configuration, five lines: cases add lines
// from line 6.
const base = `github:
  token_env: TOKEN
  webhook_secret_env: HOOK
repositories:
  - {name: csoc/infra, kind: infra}
`

func TestExample(t *testing.T) {
	data, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(data, "example.yaml", lookupTestEnv, os.ReadFile)
	if err != nil {
		t.Fatalf("example.yaml does not validate:\n%v", err)
	}
	if len(c.Warnings) > 0 {
		t.Errorf("warnings: %q", c.Warnings)
	}
	if got := c.GitHub.Token.Reveal(); got != "ghp_exampletoken" {
		t.Errorf("token = %q", got)
	}
	if got := c.GitHub.WebhookSecret.Reveal(); got != "example-webhook-secret" {
		t.Errorf("webhook secret = %q", got)
	}
	if len(c.Repositories) != 2 || c.Repositories[1].Kind != KindGitOps || !c.Repositories[0].Autoplan {
		t.Errorf("repositories = %+v", c.Repositories)
	}
	if got := c.EnvironmentOf("csoc/gen3-infra", "live/gen3-prod/us-east-1/prod/eks"); got != "prod" {
		t.Errorf("environment of a prod unit = %q", got)
	}
	if c.Store.Path != "/var/lib/csocbot/csocbot.db" || c.Terraform.PluginCache != "/var/lib/csocbot/plugin-cache" {
		t.Errorf("store %q, plugin cache %q", c.Store.Path, c.Terraform.PluginCache)
	}
}

func TestExampleNeedsSecrets(t *testing.T) {
	data, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	noEnv := func(string) (string, bool) { return "", false }
	_, err = Parse(data, "example.yaml", noEnv, os.ReadFile)
	if err == nil {
		t.Fatal("example.yaml validated without its environment variables")
	}
	lines := strings.Split(string(data), "\n")
	lineOf := func(prefix string) int {
		i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, prefix) })
		return i + 1
	}
	want := []string{
		fmt.Sprintf("example.yaml:%d: github.token_env: environment variable CSOCBOT_GITHUB_TOKEN is not set", lineOf("  token_env:")),
		fmt.Sprintf("example.yaml:%d: github.webhook_secret_env: environment variable CSOCBOT_WEBHOOK_SECRET is not set", lineOf("  webhook_secret_env:")),
	}
	if got := strings.Split(err.Error(), "\n"); !slices.Equal(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", err, strings.Join(want, "\n"))
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("token", "from-file\n")
	write("hook", "hook-from-file")
	write("csocbot.yaml", `data_dir: state
github:
  token_file: token
  webhook_secret_file: hook
repositories: [{name: csoc/infra, kind: infra}]
terraform:
  binary: tofu
  terragrunt_binary: ./bin/terragrunt
  engine: terragrunt
`)
	c, err := Load(filepath.Join(dir, "csocbot.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.GitHub.Token.Reveal(); got != "from-file" {
		t.Errorf("token = %q", got)
	}
	if got := c.GitHub.WebhookSecret.Reveal(); got != "hook-from-file" {
		t.Errorf("webhook secret = %q", got)
	}
	for _, p := range []struct{ name, got, want string }{
		{"data_dir", c.DataDir, filepath.Join(dir, "state")},
		{"store.path", c.Store.Path, filepath.Join(dir, "state", "csocbot.db")},
		{"terraform.plugin_cache", c.Terraform.PluginCache, filepath.Join(dir, "state", "plugin-cache")},
		{"terraform.binary", c.Terraform.Binary, "tofu"},
		{"terraform.terragrunt_binary", c.Terraform.TerragruntBinary, filepath.Join(dir, "bin", "terragrunt")},
	} {
		if p.got != p.want {
			t.Errorf("%s = %q, want %q", p.name, p.got, p.want)
		}
	}

	_, err = Load(filepath.Join(dir, "missing.yaml"))
	if err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("Load of a missing file: %v", err)
	}
}

func TestDefaults(t *testing.T) {
	c, err := parse(base)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Listen:  ":8080",
		DataDir: "/var/lib/csocbot",
		Log:     Log{Level: slog.LevelInfo, Format: LogText},
		GitHub:  GitHub{WebURL: "https://github.com/", Token: newSecret("t0ken"), WebhookSecret: newSecret("h00k")},
		Repositories: []Repository{
			{Name: "csoc/infra", Kind: KindInfra, Autoplan: true},
		},
		CommandPrefix:    "csocbot",
		Store:            Store{Driver: "sqlite", Path: "/var/lib/csocbot/csocbot.db", Lease: 30 * time.Second},
		Webhook:          Webhook{MaxConcurrentReads: 4},
		Workers:          min(runtime.NumCPU(), 64),
		Plan:             Plan{Parallelism: 0, Timeout: 30 * time.Minute},
		CheckoutStrategy: CheckoutMerge,
		Terraform:        Terraform{Engine: EngineNative, PluginCache: "/var/lib/csocbot/plugin-cache"},
		Terragrunt:       Terragrunt{Env: map[string]string{}},
		Sandbox:          Sandbox{ConnectPorts: []uint16{22, 53, 443}},
		Cleanup:          Cleanup{Interval: time.Hour, MaxAge: 7 * 24 * time.Hour, KeepRecords: 90 * 24 * time.Hour},
		GitOps:           GitOps{ChartHosts: []string{"github.com"}, RenderTimeout: time.Minute, MaxRenderedBytes: 64 << 20},
		Apply:            Apply{Default: ApplyRule{Requirements: defaultRequirements, Approvals: 1}, ShutdownGrace: 10 * time.Minute},

		CommandPermissions:    map[string]string{"plan": "write", "apply": "write", "unlock": "write", "help": "none"},
		MaxCommandsPerComment: 10,
	}
	if got, want := goString(c), goString(want); got != want {
		t.Errorf("defaults:\n got %s\nwant %s", got, want)
	}
}

// goString prints a Config with its secrets revealed, for comparisons.
func goString(c *Config) string {
	s := fmt.Sprintf("%#v token=%q hook=%q", *c, c.GitHub.Token.Reveal(), c.GitHub.WebhookSecret.Reveal())
	if app := c.GitHub.App; app != nil {
		s = strings.Replace(s, fmt.Sprintf("%p", app), "app", 1)
		s += fmt.Sprintf(" app=%#v key=%q", *app, app.PrivateKey.Reveal())
	}
	return s
}

func TestSettings(t *testing.T) {
	c, err := parse(`listen: 127.0.0.1:9000
public_url: https://bot.example.com/csocbot/
data_dir: /srv/csocbot
log: {level: debug, format: json}
github:
  api_url: https://ghe.example.com/api/v3
  app:
    app_id: 12
    installation_id: 34
    private_key_file: /keys/app.pem
  webhook_secret_file: /run/token
repositories:
  - name: csoc/infra
    kind: infra
    terragrunt_version: 0.69.6
    autoplan: false
    allow_fork_autoplan: true
    draft_autoplan: true
commands: {prefix: ops-bot, permissions: {plan: maintain, help: read}, max_per_comment: 3}
store: {driver: sqlite, path: /db/bot.db}
webhook: {max_concurrent_reads: 2}
workers: 3
plan: {parallelism: 5, timeout: 1h30m}
checkout_strategy: branch
terraform:
  binary: /opt/terraform
  cli_config_file: /etc/tf.rc
  plugin_cache: /cache/plugins
terragrunt:
  env: {REGION: us-east-1, PORT: 8080}
  allow_run_cmd: true
  allow_sops_decrypt: true
  version: v0.63.6
cleanup: {interval: 15m, max_age: 48h, keep_records: 720h}
`)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Listen:    "127.0.0.1:9000",
		PublicURL: "https://bot.example.com/csocbot",
		DataDir:   "/srv/csocbot",
		Log:       Log{Level: slog.LevelDebug, Format: LogJSON},
		GitHub: GitHub{
			APIURL:        "https://ghe.example.com/api/v3/",
			WebURL:        "https://ghe.example.com/",
			App:           &GitHubApp{AppID: 12, InstallationID: 34, PrivateKeyFile: "/keys/app.pem", PrivateKey: newSecret(testFiles["/keys/app.pem"])},
			WebhookSecret: newSecret("file-t0ken"),
		},
		Repositories: []Repository{
			{Name: "csoc/infra", Kind: KindInfra, AllowForkAutoplan: true, DraftAutoplan: true, TerragruntVersion: "0.69.6"},
		},
		CommandPrefix:    "ops-bot",
		Store:            Store{Driver: "sqlite", Path: "/db/bot.db", Lease: 30 * time.Second},
		Webhook:          Webhook{MaxConcurrentReads: 2},
		Workers:          3,
		Plan:             Plan{Parallelism: 5, Timeout: 90 * time.Minute},
		CheckoutStrategy: CheckoutBranch,
		Terraform:        Terraform{Binary: "/opt/terraform", Engine: EngineNative, CLIConfigFile: "/etc/tf.rc", PluginCache: "/cache/plugins"},
		Terragrunt:       Terragrunt{Env: map[string]string{"REGION": "us-east-1", "PORT": "8080"}, AllowRunCmd: true, AllowSopsDecrypt: true, Version: "0.63.6"},
		Sandbox:          Sandbox{ConnectPorts: []uint16{22, 53, 443}},
		Cleanup:          Cleanup{Interval: 15 * time.Minute, MaxAge: 48 * time.Hour, KeepRecords: 30 * 24 * time.Hour},
		GitOps:           GitOps{ChartHosts: []string{"ghe.example.com"}, RenderTimeout: time.Minute, MaxRenderedBytes: 64 << 20},
		Apply:            Apply{Default: ApplyRule{Requirements: defaultRequirements, Approvals: 1}, ShutdownGrace: 10 * time.Minute},

		CommandPermissions:    map[string]string{"plan": "maintain", "apply": "write", "unlock": "write", "help": "read"},
		MaxCommandsPerComment: 3,
	}
	if got, want := goString(c), goString(want); got != want {
		t.Errorf("settings:\n got %s\nwant %s", got, want)
	}
	if got := c.GitHub.App.PrivateKey.Reveal(); got != testFiles["/keys/app.pem"] {
		t.Errorf("private key = %q", got)
	}
}

func TestErrors(t *testing.T) {
	// Each case lists every problem Parse must report, in order.
	for _, tc := range []struct {
		name string
		yaml string
		want []string
	}{
		// YAML itself.
		{"syntax", "listen: [\n", []string{"config.yaml:1: did not find expected node content"}},
		{"not a mapping", "- listen\n", []string{
			"config.yaml: github: no credentials",
			"config.yaml: github: no webhook secret",
			"config.yaml: repositories: expected at least one repository",
			"config.yaml:1: expected a mapping of keys to values, got a list",
		}},
		{"second document", base + "---\nlisten: :80\n", []string{"config.yaml:6: expected a single YAML document, found a second one"}},
		{"unknown key", base + "repos: []\n", []string{"config.yaml:6: repos: unknown key; did you mean repositories?"}},
		{"unknown key, other spelling", base + "Public-URL: https://x.example\n", []string{"config.yaml:6: Public-URL: unknown key; did you mean public_url?"}},
		{"unknown nested key", base + "plan:\n  time_out: 1h\n", []string{"config.yaml:7: plan.time_out: unknown key; did you mean plan.timeout?"}},
		{"unknown key in a list item", base + "environments:\n  - {name: prod, path: [x]}\n", []string{
			"config.yaml:7: environments[0].path: unknown key; did you mean environments[0].paths?",
			"config.yaml:7: environments[0].paths: expected at least one glob of unit paths",
		}},
		{"unknown key without a suggestion", base + "log: {colour: true}\n", []string{"config.yaml:6: log.colour: unknown key; expected one of level, format"}},
		{"odd key", base + "\"a.b\\nc\": 1\n", []string{`config.yaml:6: "a.b\nc": unknown key; expected one of listen,`}},
		{"repeated key", base + "workers: 2\nworkers: 3\n", []string{"config.yaml:7: workers: repeated key (first at line 6)"}},
		{"alias", base + "commands: {prefix: &p bot}\nlog: {level: *p}\n", []string{"config.yaml:7: log.level: YAML aliases (*p) are not supported"}},
		{"section of the wrong type", base + "plan: 5\n", []string{"config.yaml:6: plan: expected a mapping of keys to values, got \"5\""}},

		// Top level.
		{"evaluation timeout", base + "terragrunt: {evaluation_timeout: soon}\n", []string{`config.yaml:6: terragrunt.evaluation_timeout: expected a positive duration like 30m or 1h30m; got "soon"`}},
		{"sandbox mode", base + "sandbox: {mode: maybe}\n", []string{`config.yaml:6: sandbox.mode: expected on or off; got "maybe"`}},
		{"cleanup durations", base + "cleanup: {interval: 0s, max_age: a week}\n", []string{
			`config.yaml:6: cleanup.interval: expected a positive duration like 30m or 1h30m; got "0s"`,
			`config.yaml:6: cleanup.max_age: expected a positive duration like 30m or 1h30m; got "a week"`,
		}},
		{"apply", base + "apply:\n  requirements: [approved, reviewed]\n  approvals: 0\n  teams: [admins]\n  rules:\n    - environments: [nowhere]\n    - {users: ['bad login']}\n", []string{
			`config.yaml:7: apply.requirements[1]: expected one of approved, mergeable, fresh_plan, policies_passed, dependencies_applied, undiverged; got "reviewed"`,
			`config.yaml:8: apply.approvals: `,
			`config.yaml:9: apply.teams[0]: expected a team as org/slug, like csoc/infra-admins; got "admins"`,
			`config.yaml:11: apply.rules[0].environments[0]: no environment is named "nowhere"; name one of environments[].name`,
			`config.yaml:12: apply.rules[1].users[0]: expected a GitHub login; got "bad login"`,
			`config.yaml:12: apply.rules[1].environments: required: the environments (environments[].name) the rule is for`,
		}},
		{"records kept too briefly", base + "cleanup: {keep_records: 1h}\n", []string{
			`config.yaml:6: cleanup.keep_records: must be at least 24h, so that GitHub's redeliveries of a webhook are recognised; got 1h0m0s`,
		}},
		{"cleanup before plans end", base + "plan: {timeout: 2h}\ncleanup:\n  max_age: 1h\n", []string{
			`config.yaml:8: cleanup.max_age: must be longer than plan.timeout (2h0m0s), or running plans lose their working directories`,
		}},
		{"sandbox network", base + "sandbox: {network: closed, connect_ports: [443, 0, 70000, https]}\n", []string{
			`config.yaml:6: sandbox.connect_ports[3]: expected a whole number, got "https"`,
			`config.yaml:6: sandbox.network: expected restricted or open; got "closed"`,
			`config.yaml:6: sandbox.connect_ports[1]: expected a TCP port from 1 to 65535, got 0`,
			`config.yaml:6: sandbox.connect_ports[2]: expected a TCP port from 1 to 65535, got 70000`,
		}},
		{"sandbox writable", base + "sandbox:\n  writable: [state, '']\n", []string{
			`config.yaml:7: sandbox.writable[0]: expected an absolute folder path, got "state"`,
			`config.yaml:7: sandbox.writable[1]: expected an absolute folder path, got ""`,
		}},
		{"listen", base + "listen: 8080\n", []string{`config.yaml:6: listen: expected host:port or :port with a port from 1 to 65535, like :8080; got "8080"`}},
		{"listen port", base + "listen: :99999\n", []string{"config.yaml:6: listen: expected host:port"}},
		{"public_url http", base + "public_url: http://bot.example.com\n", []string{`config.yaml:6: public_url: expected an https URL like https://csocbot.example.com; got "http://bot.example.com"`}},
		{"public_url no host", base + "public_url: bot.example.com\n", []string{"config.yaml:6: public_url: expected an https URL"}},
		{"data_dir empty", base + "data_dir: ''\n", []string{"config.yaml:6: data_dir: expected a path, got an empty string"}},
		{"log.level", base + "log:\n  level: verbose\n", []string{`config.yaml:7: log.level: expected debug, info, warn or error; got "verbose"`}},
		{"log.format", base + "log:\n  format: xml\n", []string{`config.yaml:7: log.format: expected text or json; got "xml"`}},

		// GitHub.
		{"api_url", "github:\n  api_url: ghe.example.com\n  token_env: TOKEN\n  webhook_secret_env: HOOK\nrepositories: [{name: a/b, kind: infra}]\n", []string{
			"config.yaml:2: github.api_url: expected an https URL like https://ghe.example.com/api/v3/",
		}},
		{"no github", "repositories: [{name: a/b, kind: infra}]\n", []string{
			"config.yaml: github: no credentials: set github.token_env or github.token_file to use a token, or github.app to use a GitHub App",
			"config.yaml: github: no webhook secret: set github.webhook_secret_env or github.webhook_secret_file",
		}},
		{"no credentials", "github:\n  webhook_secret_env: HOOK\nrepositories: [{name: a/b, kind: infra}]\n", []string{
			"config.yaml:1: github: no credentials",
		}},
		{"inline token", "github:\n  token: ghp_abc\n  webhook_secret_env: HOOK\nrepositories: [{name: a/b, kind: infra}]\n", []string{
			"config.yaml:2: github.token: secrets are not accepted inline; put the value in a file and set github.token_file to its path, or in an environment variable and set github.token_env to its name",
		}},
		{"inline webhook secret", "github:\n  token_env: TOKEN\n  webhook_secret: s3cret\nrepositories: [{name: a/b, kind: infra}]\n", []string{
			"config.yaml:3: github.webhook_secret: secrets are not accepted inline; put the value in a file and set github.webhook_secret_file",
		}},
		{"token file missing", "github:\n  token_file: /run/nope\n  webhook_secret_env: HOOK\nrepositories: [{name: a/b, kind: infra}]\n", []string{
			"config.yaml:2: github.token_file: file /run/nope does not exist",
		}},
		{"token file relative", "github:\n  token_file: nope\n  webhook_secret_env: HOOK\nrepositories: [{name: a/b, kind: infra}]\n", []string{
			"config.yaml:2: github.token_file: file nope does not exist",
		}},
		{"token file unreadable", "github:\n  token_file: /run/denied\n  webhook_secret_env: HOOK\nrepositories: [{name: a/b, kind: infra}]\n", []string{
			"config.yaml:2: github.token_file: cannot read file /run/denied: permission denied",
		}},
		{"token file empty", "github:\n  token_file: /run/empty\n  webhook_secret_env: HOOK\nrepositories: [{name: a/b, kind: infra}]\n", []string{
			"config.yaml:2: github.token_file: file /run/empty is empty",
		}},
		{"token file and env", "github:\n  token_file: /run/token\n  token_env: TOKEN\n  webhook_secret_env: HOOK\nrepositories: [{name: a/b, kind: infra}]\n", []string{
			"config.yaml:3: github.token_env: set github.token_file or github.token_env, not both",
		}},
		{"token env unset", "github:\n  token_env: NOPE\n  webhook_secret_env: HOOK\nrepositories: [{name: a/b, kind: infra}]\n", []string{
			"config.yaml:2: github.token_env: environment variable NOPE is not set",
		}},
		{"token env empty", "github:\n  token_env: EMPTY\n  webhook_secret_env: HOOK\nrepositories: [{name: a/b, kind: infra}]\n", []string{
			"config.yaml:2: github.token_env: environment variable EMPTY is empty",
		}},
		{"token env not a name", "github:\n  token_env: ghp-abc.def\n  webhook_secret_env: HOOK\nrepositories: [{name: a/b, kind: infra}]\n", []string{
			"config.yaml:2: github.token_env: expected the name of an environment variable (letters, digits and _), like CSOCBOT_GITHUB_TOKEN",
		}},
		{"token and app", "github:\n  token_env: TOKEN\n  app: {app_id: 1, installation_id: 2, private_key_file: /keys/app.pem}\n  webhook_secret_env: HOOK\nrepositories: [{name: a/b, kind: infra}]\n", []string{
			"config.yaml:3: github.app: set either a token (github.token_env or github.token_file) or a GitHub App (github.app), not both",
		}},
		{"app incomplete", "github:\n  app:\n    installation_id: 0\n  webhook_secret_env: HOOK\nrepositories: [{name: a/b, kind: infra}]\n", []string{
			"config.yaml:2: github.app.app_id: required: a positive number",
			"config.yaml:2: github.app.private_key_file: required: the path of the GitHub App's private key (.pem)",
			"config.yaml:3: github.app.installation_id: expected a positive number, got 0",
		}},
		{"app id not a number", "github:\n  app: {app_id: abc, installation_id: 2, private_key_file: /keys/app.pem}\n  webhook_secret_env: HOOK\nrepositories: [{name: a/b, kind: infra}]\n", []string{
			`config.yaml:2: github.app.app_id: expected a whole number, got "abc"`,
		}},
		{"app key missing", "github:\n  app:\n    app_id: 1\n    installation_id: 2\n    private_key_file: /x\n  webhook_secret_env: HOOK\nrepositories: [{name: a/b, kind: infra}]\n", []string{
			"config.yaml:5: github.app.private_key_file: file /x does not exist",
		}},
		{"app key not PEM", "github:\n  app: {app_id: 1, installation_id: 2, private_key_file: /keys/not.pem}\n  webhook_secret_env: HOOK\nrepositories: [{name: a/b, kind: infra}]\n", []string{
			"config.yaml:2: github.app.private_key_file: file /keys/not.pem is not a PEM private key",
		}},
		{"no webhook secret", "github:\n  token_env: TOKEN\nrepositories: [{name: a/b, kind: infra}]\n", []string{
			"config.yaml:1: github: no webhook secret: set github.webhook_secret_env or github.webhook_secret_file to the secret of the GitHub webhook (for development only, insecure_no_webhook_secret: true turns signature checks off)",
		}},
		{"insecure flag with a secret", base + "insecure_no_webhook_secret: true\n", []string{
			"config.yaml:6: insecure_no_webhook_secret: is true, but a webhook secret is set too; remove one",
		}},
		{"insecure flag not a bool", base + "insecure_no_webhook_secret: 1\n", []string{
			`config.yaml:6: insecure_no_webhook_secret: expected true or false, got "1"`,
		}},

		// Repositories.
		{"repositories missing", "github: {token_env: TOKEN, webhook_secret_env: HOOK}\n", []string{
			"config.yaml: repositories: expected at least one repository: csocbot acts only on the repositories listed here",
		}},
		{"repositories empty", "github: {token_env: TOKEN, webhook_secret_env: HOOK}\nrepositories: []\n", []string{
			"config.yaml:2: repositories: expected at least one repository",
		}},
		{"repositories not a list", "github: {token_env: TOKEN, webhook_secret_env: HOOK}\nrepositories: csoc/infra\n", []string{
			"config.yaml: repositories: expected at least one repository",
			`config.yaml:2: repositories: expected a list, got "csoc/infra"`,
		}},
		{"repository not a mapping", base + "  - csoc/other\n", []string{
			`config.yaml:6: repositories[1]: expected a mapping of keys to values, got "csoc/other"`,
		}},
		{"repository name", base + "  - {name: csoc, kind: infra}\n  - {name: -x/y, kind: infra}\n  - {name: a/.., kind: infra}\n", []string{
			`config.yaml:6: repositories[1].name: expected owner/repo, like csoc/gen3-infra; got "csoc"`,
			`config.yaml:7: repositories[2].name: expected owner/repo, like csoc/gen3-infra; got "-x/y"`,
			`config.yaml:8: repositories[3].name: expected owner/repo, like csoc/gen3-infra; got "a/.."`,
		}},
		{"repository twice", base + "  - name: CSOC/Infra\n    kind: gitops\n", []string{
			"config.yaml:6: repositories[1].name: CSOC/Infra is listed twice (first at line 5)",
		}},
		{"repository fields missing", base + "  - autoplan: false\n", []string{
			"config.yaml:6: repositories[1].name: required: the repository as owner/repo",
			"config.yaml:6: repositories[1].kind: required: infra or gitops",
		}},
		{"repository kind", base + "  - {name: a/b, kind: helm}\n", []string{
			`config.yaml:6: repositories[1].kind: expected infra or gitops; got "helm"`,
		}},
		{"repository autoplan", base + "  - {name: a/b, kind: infra, autoplan: yes please, draft_autoplan: 0}\n", []string{
			`config.yaml:6: repositories[1].autoplan: expected true or false, got "yes please"`,
			`config.yaml:6: repositories[1].draft_autoplan: expected true or false, got "0"`,
		}},

		// Commands, store, workers, plan.
		{"prefix", base + "commands:\n  prefix: csoc bot\n", []string{
			`config.yaml:7: commands.prefix: expected a single word (a letter, then letters, digits, - or _), like csocbot; got "csoc bot"`,
		}},
		{"postgres without url", base + "store:\n  driver: postgres\n", []string{"config.yaml:7: store: the postgres driver needs the database URL (postgres://user:password@host:5432/csocbot): set store.url_file to a file holding it, or store.url_env to an environment variable"}},
		{"postgres url inline", base + "store:\n  driver: postgres\n  url: postgres://u:pw@db/csocbot\n", []string{"config.yaml:8: store.url: secrets are not accepted inline"}},
		{"postgres with path", base + "store:\n  driver: postgres\n  url_env: TOKEN\n  path: /db/bot.db\n", []string{"config.yaml:9: store.path: is the SQLite file, and the driver is postgres: remove store.path"}},
		{"sqlite with url", base + "store:\n  url_env: TOKEN\n", []string{"config.yaml:7: store: a database URL is set but the driver is sqlite: set store.driver: postgres, or remove the URL"}},
		{"lease short", base + "store:\n  lease: 2ns\n", []string{"config.yaml:7: store.lease: expected at least 2s; got 2ns"}},
		{"lease", base + "store:\n  lease: 0s\n", []string{`config.yaml:7: store.lease: expected a positive duration like 30m or 1h30m; got "0s"`}},
		{"store driver", base + "store:\n  driver: mysql\n", []string{`config.yaml:7: store.driver: expected sqlite or postgres; got "mysql"`}},
		{"store path", base + "store:\n  path: ''\n", []string{"config.yaml:7: store.path: expected a path, got an empty string"}},
		{"workers zero", base + "workers: 0\n", []string{"config.yaml:6: workers: expected a number from 1 to 64, got 0"}},
		{"workers many", base + "workers: 65\n", []string{"config.yaml:6: workers: expected a number from 1 to 64, got 65"}},
		{"workers fraction", base + "workers: 1.5\n", []string{`config.yaml:6: workers: expected a whole number, got "1.5"`}},
		{"parallelism", base + "plan: {parallelism: -1}\n", []string{"config.yaml:6: plan.parallelism: expected a number from 0 to 64, got -1"}},
		{"timeout", base + "plan:\n  timeout: 30\n", []string{`config.yaml:7: plan.timeout: expected a positive duration like 30m or 1h30m; got "30"`}},
		{"timeout negative", base + "plan:\n  timeout: -5m\n", []string{`config.yaml:7: plan.timeout: expected a positive duration like 30m or 1h30m; got "-5m"`}},
		{"shutdown grace", base + "apply:\n  shutdown_grace: 0s\n", []string{`config.yaml:7: apply.shutdown_grace: expected a positive duration like 30m or 1h30m; got "0s"`}},
		{"checkout strategy", base + "checkout_strategy: rebase\n", []string{`config.yaml:6: checkout_strategy: expected merge or branch; got "rebase"`}},

		// Terraform and Terragrunt.
		{"engine", base + "terraform:\n  engine: atlantis\n", []string{`config.yaml:7: terraform.engine: expected native or terragrunt; got "atlantis"`}},
		{"binary", base + "terraform:\n  binary: ''\n", []string{"config.yaml:7: terraform.binary: expected a path, got an empty string"}},
		{"cli config file", base + "terraform:\n  cli_config_file: /etc/nope.rc\n", []string{"config.yaml:7: terraform.cli_config_file: file /etc/nope.rc does not exist"}},
		{"plugin cache", base + "terraform:\n  plugin_cache: ''\n", []string{"config.yaml:7: terraform.plugin_cache: expected a path, got an empty string"}},
		{"terragrunt env", base + "terragrunt:\n  env:\n    1ST: x\n    OK: [a]\n    OK: b\n", []string{
			"config.yaml:8: terragrunt.env.1ST: expected an environment variable name (letters, digits and _, not starting with a digit)",
			"config.yaml:9: terragrunt.env.OK: expected a string, got a list",
			"config.yaml:10: terragrunt.env.OK: repeated key (first at line 9)",
		}},
		{"terragrunt version", base + "terragrunt:\n  version: latest\n", []string{`config.yaml:7: terragrunt.version: expected a Terragrunt release like 0.63.6; got "latest"`}},
		{"repository terragrunt version", base + "  - {name: a/b, kind: infra, terragrunt_version: 0.63.x}\n", []string{`config.yaml:6: repositories[1].terragrunt_version: expected a Terragrunt release like 0.63.6; got "0.63.x"`}},
		{"terragrunt env not a mapping", base + "terragrunt:\n  env: [A=b]\n", []string{
			"config.yaml:7: terragrunt.env: expected a mapping of keys to values, got a list",
		}},
		{"allow_run_cmd", base + "terragrunt: {allow_run_cmd: sometimes}\n", []string{
			`config.yaml:6: terragrunt.allow_run_cmd: expected true or false, got "sometimes"`,
		}},

		// Environments.
		{"environment fields missing", base + "environments:\n  - repositories: [csoc/infra]\n", []string{
			"config.yaml:7: environments[0].name: required: the environment's name, like prod",
			"config.yaml:7: environments[0].paths: expected at least one glob of unit paths, like live/*/*/prod/**",
		}},
		{"environment name", base + "environments:\n  - {name: 'prod env', paths: ['**']}\n", []string{
			`config.yaml:7: environments[0].name: expected a name of letters, digits, ., - and _, like prod; got "prod env"`,
		}},
		{"environment twice", base + "environments:\n  - {name: prod, paths: [a]}\n  - {name: prod, paths: [b]}\n", []string{
			"config.yaml:8: environments[1].name: environment prod is defined twice for the same account and region (first at line 7)",
		}},
		{"environment account and region", base + "environments:\n  - {name: prod, paths: [a], account: 1234, region: US-EAST-1}\n", []string{
			`config.yaml:7: environments[0].account: expected a 12-digit AWS account id, like "123456789012" (quoted); got "1234"`,
			`config.yaml:7: environments[0].region: expected a region like us-east-1; got "US-EAST-1"`,
		}},
		{"environment paths empty", base + "environments:\n  - name: prod\n    paths: []\n", []string{
			"config.yaml:8: environments[0].paths: expected at least one glob of unit paths",
		}},
		{"environment globs", base + "environments:\n  - name: prod\n    paths:\n      - /live/prod\n      - live/../prod\n      - live//prod\n      - live/prod**\n      - live/[a-\n      - ''\n", []string{
			`config.yaml:9: environments[0].paths[0]: expected a glob relative to the repository root, like live/*/*/prod/**; got "/live/prod"`,
			`config.yaml:10: environments[0].paths[1]: expected path segments separated by single slashes, without . or ..; got "live/../prod"`,
			`config.yaml:11: environments[0].paths[2]: expected path segments separated by single slashes, without . or ..; got "live//prod"`,
			`config.yaml:12: environments[0].paths[3]: ** must be a whole path segment, like live/**/prod; got "live/prod**"`,
			`config.yaml:13: environments[0].paths[4]: malformed glob (unclosed [ or trailing \); got "live/[a-"`,
			`config.yaml:14: environments[0].paths[5]: expected a glob relative to the repository root, like live/*/*/prod/**; got ""`,
		}},
		{"environment repositories", base + "environments:\n  - name: prod\n    paths: ['**']\n    repositories: [csoc/other]\n", []string{
			`config.yaml:9: environments[0].repositories[0]: "csoc/other" is not one of the repositories listed under repositories`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(tc.yaml)
			if err == nil {
				t.Fatalf("no error; config %+v", c)
			}
			if c != nil {
				t.Errorf("a config came with the error")
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

func TestAllProblemsAtOnce(t *testing.T) {
	_, err := parse(`listen: nowhere
github:
  token: ghp_inline
  tokn_env: TOKEN
repositories:
  - {name: csoc, kind: infra}
workers: 100
plan: {timeout: soon}
store: {driver: postgres}
environments:
  - {name: prod, paths: [/abs]}
`)
	want := []string{
		"config.yaml:1: listen: expected host:port",
		"config.yaml:2: github: no webhook secret",
		"config.yaml:3: github.token: secrets are not accepted inline",
		"config.yaml:4: github.tokn_env: unknown key; did you mean github.token_env?",
		"config.yaml:6: repositories[0].name: expected owner/repo",
		"config.yaml:7: workers: expected a number from 1 to 64, got 100",
		"config.yaml:8: plan.timeout: expected a positive duration",
		"config.yaml:9: store: the postgres driver needs the database URL",
		"config.yaml:11: environments[0].paths[0]: expected a glob relative to the repository root",
	}
	if err == nil {
		t.Fatal("no error")
	}
	got := strings.Split(err.Error(), "\n")
	if len(got) != len(want) {
		t.Fatalf("%d problems, want %d:\n%s", len(got), len(want), err)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d = %q, want %q...", i, got[i], want[i])
		}
	}
	if strings.Contains(err.Error(), "ghp_inline") {
		t.Errorf("the error shows the inline secret:\n%s", err)
	}
}

func TestWarnings(t *testing.T) {
	c, err := parse(`github:
  token_env: TOKEN
repositories: [{name: a/b, kind: infra}]
insecure_no_webhook_secret: true
terraform:
  terragrunt_binary: terragrunt
terragrunt:
  env:
    REGION: us-east-1
    DB_PASSWORD: hunter2
sandbox:
  mode: off
  writable: [/var/lib/state]
  network: open
  connect_ports: [443, 3128]
`)
	if err != nil {
		t.Fatal(err)
	}
	if c.Terragrunt.EvaluationTimeout != 0 {
		t.Errorf("evaluation timeout %v, want 0 (the evaluator's default)", c.Terragrunt.EvaluationTimeout)
	}
	if !c.Sandbox.Off || !slices.Equal(c.Sandbox.Writable, []string{"/var/lib/state"}) ||
		!c.Sandbox.OpenNetwork || !slices.Equal(c.Sandbox.ConnectPorts, []uint16{443, 3128}) {
		t.Errorf("sandbox = %+v", c.Sandbox)
	}
	want := []string{
		"config.yaml:4: insecure_no_webhook_secret: webhook signatures are NOT checked: anyone who can reach the server can send it forged events; use this for development only",
		"config.yaml:6: terraform.terragrunt_binary: is ignored: it is used only when terraform.engine is terragrunt",
		"config.yaml:10: terragrunt.env.DB_PASSWORD: looks like a secret; pull request content can read and print terragrunt.env values, so keep secrets out of it",
		"config.yaml:12: sandbox.mode: is off: terraform and terragrunt run pull request code able to read the bot's token, webhook secret, store and other runs' files; use this only where every pull request author is trusted",
	}
	if !slices.Equal(c.Warnings, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(c.Warnings, "\n"), strings.Join(want, "\n"))
	}
	if !c.InsecureNoWebhookSecret || c.GitHub.WebhookSecret.Reveal() != "" {
		t.Errorf("insecure %v, webhook secret %q", c.InsecureNoWebhookSecret, c.GitHub.WebhookSecret.Reveal())
	}
}

func TestEnvironmentOf(t *testing.T) {
	c, err := parse(base + `  - {name: csoc/gitops, kind: gitops}
environments:
  - name: prod
    paths: ["live/*/*/prod/**"]
    repositories: [CSOC/INFRA]
  - name: sandbox
    paths: ["live/sandbox-[0-9]/**", "sandbox"]
  - name: any-eks
    paths: ["**/eks"]
  - name: rest
    paths: ["live/**"]
`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ repo, unit, want string }{
		{"csoc/infra", "live/gen3-prod/us-east-1/prod/eks", "prod"},
		{"csoc/infra", "live/gen3-prod/us-east-1/prod", "prod"},
		{"csoc/infra", "./live/gen3-prod/us-east-1/prod/rds/", "prod"},
		{"csoc/gitops", "live/gen3-prod/us-east-1/prod/eks", "any-eks"}, // prod is for csoc/infra only
		{"csoc/gitops", "live/gen3-prod/us-east-1/prod/rds", "rest"},
		{"csoc/infra", "live/gen3-prod/prod/eks", "any-eks"},
		{"csoc/infra", "live/sandbox-3/vpc", "sandbox"},
		{"csoc/infra", "live/sandbox-x/vpc", "rest"},
		{"csoc/infra", "sandbox", "sandbox"},
		{"csoc/infra", "eks", "any-eks"},
		{"csoc/infra", "live", "rest"},
		{"csoc/infra", "modules/vpc", ""},
		{"csoc/infra", "", ""},
	} {
		if got := c.EnvironmentOf(tc.repo, tc.unit); got != tc.want {
			t.Errorf("EnvironmentOf(%q, %q) = %q, want %q", tc.repo, tc.unit, got, tc.want)
		}
	}
}

func TestPlacementOf(t *testing.T) {
	c, err := parse(base + `environments:
  - name: prod
    paths: ["live/gen3-prod/**"]
    account: "123456789012"
    region: us-east-1
    tags: {team: platform, cost-center: "42"}
  - name: prod
    paths: ["live/gen3-prod-west/**"]
    account: "210987654321"
    region: us-west-2
`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		unit                 string
		env, account, region string
		tags                 map[string]string
	}{
		{"live/gen3-prod/eks", "prod", "123456789012", "us-east-1", map[string]string{"team": "platform", "cost-center": "42"}},
		{"live/gen3-prod-west/eks", "prod", "210987654321", "us-west-2", nil},
		{"modules/eks", "", "", "", nil},
	} {
		got := c.PlacementOf("csoc/infra", tc.unit)
		if got.Name != tc.env || got.Account != tc.account || got.Region != tc.region || !maps.Equal(got.Tags, tc.tags) {
			t.Errorf("PlacementOf(%q) = %+v", tc.unit, got)
		}
	}
}

func TestPolicies(t *testing.T) {
	dir := t.TempDir()
	bundle := filepath.Join(dir, "bundle.tar.gz")
	if err := os.WriteFile(bundle, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	notBundle := filepath.Join(dir, "rules.rego")
	if err := os.WriteFile(notBundle, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	envs := "environments:\n  - {name: prod, paths: ['live/prod/**']}\n"
	c, err := parse(base + envs + `policies:
  - name: gen3
    path: ` + dir + `
    owners: [alice, "@bob"]
    teams: [csoc/platform-leads]
    approvals: 2
    author_may_approve: true
    repositories: [csoc/infra]
    environments: [prod]
  - name: bundled
    path: ` + bundle + `
    approvals: 0
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []PolicySet{
		{Name: "gen3", Path: dir, Owners: []string{"alice", "bob"}, Teams: []string{"csoc/platform-leads"}, Approvals: 2,
			AuthorMayApprove: true, Repositories: []string{"csoc/infra"}, Environments: []string{"prod"}},
		{Name: "bundled", Path: bundle},
	}
	if !reflect.DeepEqual(c.Policies, want) {
		t.Errorf("policies\n got %+v\nwant %+v", c.Policies, want)
	}

	for _, tc := range []struct {
		name string
		yaml string
		want []string
	}{
		{"fields missing", "policies:\n  - owners: [alice]\n", []string{
			"config.yaml:9: policies[0].name: required: the policy set's name, like gen3",
			"config.yaml:9: policies[0].path: required: the folder of the set's .rego files, or an OPA bundle (.tar.gz)",
		}},
		{"bad values", "policies:\n  - name: gen3\n    path: " + notBundle + "\n    owners: [csoc/leads]\n    teams: [leads]\n    approvals: 11\n    environments: [prd]\n    repositories: [csoc/other]\n", []string{
			"config.yaml:10: policies[0].path: " + notBundle + " is neither a folder nor an OPA bundle (.tar.gz)",
			`config.yaml:11: policies[0].owners[0]: expected a GitHub login, like alice; got "csoc/leads" (teams go under teams)`,
			`config.yaml:12: policies[0].teams[0]: expected a team as org/team-slug, like csoc/platform-leads; got "leads"`,
			"config.yaml:13: policies[0].approvals: expected",
			`config.yaml:14: policies[0].environments[0]: "prd" is not an environment defined under environments`,
			`config.yaml:15: policies[0].repositories[0]: "csoc/other" is not one of the repositories listed under repositories`,
		}},
		{"no one to approve", "policies:\n  - name: gen3\n    path: " + dir + "\n", []string{
			"config.yaml:9: policies[0]: approvals is 1 but the set has no owners or teams to approve",
		}},
		{"missing folder", "policies:\n  - name: gen3\n    path: " + dir + "/nope\n    approvals: 0\n", []string{
			"config.yaml:10: policies[0].path: cannot use " + dir + "/nope",
		}},
		{"twice", "policies:\n  - {name: gen3, path: " + dir + ", approvals: 0}\n  - {name: gen3, path: " + dir + ", approvals: 0}\n", []string{
			"config.yaml:10: policies[1].name: policy set gen3 is defined twice (first at line 9)",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(base + envs + tc.yaml)
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

func TestRepository(t *testing.T) {
	c, err := parse(base + "  - {name: csoc/gitops, kind: gitops, autoplan: false}\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		want Repository
		ok   bool
	}{
		{"csoc/infra", Repository{Name: "csoc/infra", Kind: KindInfra, Autoplan: true}, true},
		{"CSOC/GitOps", Repository{Name: "csoc/gitops", Kind: KindGitOps}, true},
		{"csoc/other", Repository{}, false},
	} {
		if got, ok := c.Repository(tc.name); got != tc.want || ok != tc.ok {
			t.Errorf("Repository(%q) = %+v, %v; want %+v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCheckPathGlob(t *testing.T) {
	for glob, ok := range map[string]bool{"live/*/*/prod/**": true, "**/eks": true, "/live": false, "live/prod**": false, "live/[a-": false, "": false} {
		if err := CheckPathGlob(glob); (err == nil) != ok {
			t.Errorf("CheckPathGlob(%q) = %v", glob, err)
		}
	}
}

func TestTerragruntVersionPerRepository(t *testing.T) {
	c, err := parse(base + "  - {name: csoc/old, kind: infra, terragrunt_version: v0.63.6}\nterragrunt:\n  version: 0.72.0\n")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"csoc/infra": "0.72.0", "csoc/old": "0.63.6"} {
		if r, _ := c.Repository(name); r.TerragruntVersion != want {
			t.Errorf("%s: TerragruntVersion %q, want %q", name, r.TerragruntVersion, want)
		}
	}
}

func TestStoreDrivers(t *testing.T) {
	tests := []struct {
		name   string
		yaml   string
		driver string
		path   string
		url    string
		lease  time.Duration
		shared bool
	}{
		{"default", "", StoreSQLite, "/var/lib/csocbot/csocbot.db", "", 30 * time.Second, false},
		{"sqlite path", "store: {path: /db/bot.db, lease: 1m}\n", StoreSQLite, "/db/bot.db", "", time.Minute, false},
		{"postgres from a file", "store: {driver: postgres, url_file: /run/pg}\n", StorePostgres, "", "postgres://csocbot:pw@db:5432/csocbot", 30 * time.Second, true},
	}
	testFiles["/run/pg"] = "postgres://csocbot:pw@db:5432/csocbot\n"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse(base + tt.yaml)
			if err != nil {
				t.Fatal(err)
			}
			st := c.Store
			if st.Driver != tt.driver || st.Path != tt.path || st.URL.Reveal() != tt.url || st.Lease != tt.lease || st.Shared() != tt.shared {
				t.Errorf("store = %+v (url %q, shared %v)", st, st.URL.Reveal(), st.Shared())
			}
			if strings.Contains(fmt.Sprintf("%v %+v", c.Store, c.Store), "pw@") {
				t.Error("printing the store configuration shows the URL's password")
			}
		})
	}
}
