package config

import (
	"cmp"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"net"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-version"
)

// DefaultCommandPrefix starts comment commands unless commands.prefix
// says otherwise.
const DefaultCommandPrefix = "csocbot"

// Defaults that are not derived from other settings.
const (
	defaultListen   = ":8080"
	defaultDataDir  = "/var/lib/csocbot"
	defaultPrefix   = DefaultCommandPrefix
	defaultTimeout  = 30 * time.Minute
	maxWorkers      = 64
	maxParallelism  = 64
	storeFileName   = "csocbot.db"
	pluginCacheName = "plugin-cache"

	// Webhook bodies read at once, by default and at most: each may be
	// 25 MB.
	defaultWebhookReads = 4
	maxWebhookReads     = 64

	// defaultMaxCommands bounds the commands of one comment: a comment of
	// a thousand command lines must not become a thousand jobs.
	defaultMaxCommands = 10
	maxCommands        = 100
)

var (
	ownerRepoRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$`)
	wordRE      = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)
	envNameRE   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	envRE       = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	accountRE   = regexp.MustCompile(`^[0-9]{12}$`)
	regionRE    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	loginRE     = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9]|-[A-Za-z0-9]){0,38}(\[bot\])?$`)
	teamRE      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9][A-Za-z0-9._-]*$`)
	yamlLineRE  = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	// secretish are words in get_env names that suggest a secret.
	secretish = []string{"TOKEN", "SECRET", "PASSWORD", "PASSWD", "PRIVATE", "CREDENTIAL", "ACCESS_KEY"}
)

// problem is one error or warning at a line of the file (0: no line) and
// key path.
type problem struct {
	line int
	path string
	msg  string
}

// problems collects the problems of one file.
type problems struct {
	source string
	list   []problem
}

func (p *problems) add(line int, path, format string, args ...any) {
	p.list = append(p.list, problem{line, path, fmt.Sprintf(format, args...)})
}

// yaml adds a yaml.v3 syntax error.
func (p *problems) yaml(err error) {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		p.add(line, "", "%s", m[2])
		return
	}
	p.add(0, "", "%s", strings.TrimPrefix(err.Error(), "yaml: "))
}

// strings returns the problems as "source:line: path: message", in line
// order.
func (p *problems) strings() []string {
	slices.SortStableFunc(p.list, func(a, b problem) int { return cmp.Compare(a.line, b.line) })
	var out []string
	for _, pr := range p.list {
		s := p.source
		if pr.line > 0 {
			s += ":" + strconv.Itoa(pr.line)
		}
		if pr.path != "" {
			s += ": " + pr.path
		}
		out = append(out, s+": "+pr.msg)
	}
	return out
}

// err joins the problems into one error, nil when there are none.
func (p *problems) err() error {
	var errs []error
	for _, s := range p.strings() {
		errs = append(errs, errors.New(s))
	}
	return errors.Join(errs...)
}

// validator turns a rawConfig into a Config, collecting every problem.
type validator struct {
	errs, warns problems
	// dir is the directory relative paths are resolved against.
	dir       string
	lookupEnv func(string) (string, bool)
	readFile  func(string) ([]byte, error)
}

func (v *validator) config(r *rawConfig) *Config {
	c := &Config{
		Listen:                  v.listen(r.Listen),
		PublicURL:               strings.TrimSuffix(v.httpsURL(r.PublicURL, "public_url", "https://csocbot.example.com"), "/"),
		DataDir:                 v.path(r.DataDir, "data_dir", defaultDataDir),
		InsecureNoWebhookSecret: boolOr(r.InsecureNoWebhookSecret, false),
		CommandPrefix:           v.prefix(r.Commands.Prefix),
		CommandPermissions:      v.commandPermissions(r.Commands.Permissions),
		MaxCommandsPerComment:   v.number(r.Commands.MaxPerComment, "commands.max_per_comment", defaultMaxCommands, 1, maxCommands),
		Workers:                 v.number(r.Workers, "workers", min(runtime.NumCPU(), maxWorkers), 1, maxWorkers),
		CheckoutStrategy:        oneOf(v, r.CheckoutStrategy, "checkout_strategy", CheckoutMerge, CheckoutBranch),
	}
	c.Log.Level = v.logLevel(r.Log.Level)
	c.Log.Format = oneOf(v, r.Log.Format, "log.format", LogText, LogJSON)
	c.GitHub = v.github(&r.GitHub, r.InsecureNoWebhookSecret)
	c.Repositories = v.repositories(r.Repositories)
	c.Store = v.store(r.Store, c.DataDir)
	c.PlanEncryption = v.planEncryption(r.PlanEncryption)
	c.Webhook = Webhook{MaxConcurrentReads: v.number(r.Webhook.MaxConcurrentReads, "webhook.max_concurrent_reads", defaultWebhookReads, 1, maxWebhookReads)}
	c.Plan = Plan{
		Parallelism: v.number(r.Plan.Parallelism, "plan.parallelism", 0, 0, maxParallelism),
		Timeout:     v.duration(r.Plan.Timeout, "plan.timeout", defaultTimeout),
	}
	c.Terraform = v.terraform(r.Terraform, c.DataDir)
	c.Terragrunt = Terragrunt{
		Env:               v.env(r.Terragrunt.Env),
		AllowRunCmd:       boolOr(r.Terragrunt.AllowRunCmd, false),
		AllowSopsDecrypt:  boolOr(r.Terragrunt.AllowSopsDecrypt, false),
		EvaluationTimeout: v.duration(r.Terragrunt.EvaluationTimeout, "terragrunt.evaluation_timeout", 0),
		Version:           v.terragruntVersion(r.Terragrunt.Version, "terragrunt.version"),
	}
	for i := range c.Repositories {
		c.Repositories[i].TerragruntVersion = cmp.Or(c.Repositories[i].TerragruntVersion, c.Terragrunt.Version)
	}
	c.Credentials = v.credentials(r.Credentials)
	c.Environments = v.environments(r.Environments, c.Repositories, c.Credentials.Profiles)
	c.Policies = v.policies(r.Policies, c.Repositories, c.Environments)
	c.GitOps = v.gitops(r.GitOps, c.GitHub)
	c.Sandbox = v.sandbox(r.Sandbox)
	c.Cleanup = v.cleanup(r.Cleanup, c.Plan.Timeout)
	c.Apply = v.apply(r.Apply, c.Environments)
	c.API = v.api(r.API)
	c.Slack = v.slack(r.Slack, c.Repositories, c.Environments)
	return c
}

// Old working directories are looked for hourly and kept a week: long
// enough to inspect a plan, short enough that the disk does not fill.
const (
	defaultCleanupInterval = time.Hour
	defaultMaxAge          = 7 * 24 * time.Hour
	defaultKeepRecords     = 90 * 24 * time.Hour
)

func (v *validator) cleanup(r rawCleanup, planTimeout time.Duration) Cleanup {
	c := Cleanup{
		Interval:    v.duration(r.Interval, "cleanup.interval", defaultCleanupInterval),
		MaxAge:      v.duration(r.MaxAge, "cleanup.max_age", defaultMaxAge),
		KeepRecords: v.duration(r.KeepRecords, "cleanup.keep_records", defaultKeepRecords),
	}
	// A redelivery GitHub sends within its own retry window must still be
	// recognised as one.
	if c.KeepRecords < 24*time.Hour {
		v.errs.add(r.KeepRecords.Line, "cleanup.keep_records", "must be at least 24h, so that GitHub's redeliveries of a webhook are recognised; got %s", c.KeepRecords)
	}
	// A plan's working directory is in use while it runs.
	if c.MaxAge <= planTimeout {
		v.errs.add(r.MaxAge.Line, "cleanup.max_age", "must be longer than plan.timeout (%s), or running plans lose their working directories", planTimeout)
	}
	return c
}

func (v *validator) sandbox(r rawSandbox) Sandbox {
	s := Sandbox{Off: oneOf(v, r.Mode, "sandbox.mode", "on", "off") == "off"}
	if s.Off {
		v.warns.add(r.Mode.Line, "sandbox.mode", "is off: terraform and terragrunt run pull request code able to read the bot's token, webhook secret, store and other runs' files; use this only where every pull request author is trusted")
	}
	for i, w := range r.Writable.Items {
		key := fmt.Sprintf("sandbox.writable[%d]", i)
		if w.Value == "" || !filepath.IsAbs(w.Value) {
			v.errs.add(w.Line, key, "expected an absolute folder path, got %q", w.Value)
			continue
		}
		s.Writable = append(s.Writable, filepath.Clean(w.Value))
	}
	s.OpenNetwork = oneOf(v, r.Network, "sandbox.network", "restricted", "open") == "open"
	s.ConnectPorts = slices.Clone(defaultConnectPorts)
	if r.ConnectPorts.Line > 0 {
		s.ConnectPorts = []uint16{}
	}
	for i, p := range r.ConnectPorts.Items {
		if p.bad {
			continue
		}
		if p.Value < 1 || p.Value > 65535 {
			v.errs.add(p.Line, fmt.Sprintf("sandbox.connect_ports[%d]", i), "expected a TCP port from 1 to 65535, got %d", p.Value)
			continue
		}
		s.ConnectPorts = append(s.ConnectPorts, uint16(p.Value))
	}
	return s
}

func (v *validator) listen(s scalar[string]) string {
	if !s.ok() {
		return defaultListen
	}
	_, port, err := net.SplitHostPort(s.Value)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 1 || n > 65535 {
		v.errs.add(s.Line, "listen", "expected host:port or :port with a port from 1 to 65535, like :8080; got %q", s.Value)
	}
	return s.Value
}

// httpsURL checks an https URL; example shows what one looks like.
func (v *validator) httpsURL(s scalar[string], key, example string) string {
	if !s.ok() {
		return ""
	}
	u, err := url.Parse(s.Value)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		v.errs.add(s.Line, key, "expected an https URL like %s; got %q", example, s.Value)
		return ""
	}
	return u.String()
}

// path resolves a file or directory path; def is the default.
func (v *validator) path(s scalar[string], key, def string) string {
	if !s.ok() {
		return def
	}
	if s.Value == "" {
		v.errs.add(s.Line, key, "expected a path, got an empty string")
		return def
	}
	if filepath.IsAbs(s.Value) {
		return filepath.Clean(s.Value)
	}
	return filepath.Join(v.dir, s.Value)
}

// executable resolves an executable: a path, or a name to look up on
// PATH, which is kept as is.
func (v *validator) executable(s scalar[string], key string) string {
	if s.ok() && !strings.ContainsRune(s.Value, '/') && s.Value != "" {
		return s.Value
	}
	return v.path(s, key, "")
}

// file resolves a path and reads the file there.
func (v *validator) file(s scalar[string], key string) (string, []byte, bool) {
	p := v.path(s, key, "")
	if p == "" {
		return "", nil, false
	}
	data, err := v.readFile(p)
	var pathErr *fs.PathError
	switch {
	case err == nil:
		return p, data, true
	case errors.Is(err, fs.ErrNotExist):
		v.errs.add(s.Line, key, "file %s does not exist", p)
	case errors.As(err, &pathErr): // the path is in the message already
		v.errs.add(s.Line, key, "cannot read file %s: %v", p, pathErr.Err)
	default:
		v.errs.add(s.Line, key, "cannot read file %s: %v", p, err)
	}
	return p, nil, false
}

// secret resolves the secret key (a key path) from key_file or key_env,
// and rejects an inline value. It reports whether the secret was
// configured at all, valid or not.
func (v *validator) secret(key string, inline, file, env scalar[string]) (Secret, bool) {
	if inline.present() {
		v.errs.add(inline.Line, key, "secrets are not accepted inline; put the value in a file and set %[1]s_file to its path, or in an environment variable and set %[1]s_env to its name", key)
	}
	if file.present() && env.present() {
		v.errs.add(env.Line, key+"_env", "set %[1]s_file or %[1]s_env, not both", key)
	}
	var value string
	switch {
	case file.ok() && !env.present():
		p, data, ok := v.file(file, key+"_file")
		if !ok {
			break
		}
		value = strings.TrimSpace(string(data))
		if value == "" {
			v.errs.add(file.Line, key+"_file", "file %s is empty", p)
		}
	case env.ok() && !file.present():
		if !envNameRE.MatchString(env.Value) {
			v.errs.add(env.Line, key+"_env", "expected the name of an environment variable (letters, digits and _), like CSOCBOT_GITHUB_TOKEN")
			break
		}
		val, ok := v.lookupEnv(env.Value)
		value = strings.TrimSpace(val)
		switch {
		case !ok:
			v.errs.add(env.Line, key+"_env", "environment variable %s is not set", env.Value)
		case value == "":
			v.errs.add(env.Line, key+"_env", "environment variable %s is empty", env.Value)
		}
	}
	return newSecret(value), inline.present() || file.present() || env.present()
}

func (v *validator) github(r *rawGitHub, insecure scalar[bool]) GitHub {
	var g GitHub
	if u := v.httpsURL(r.APIURL, "github.api_url", "https://ghe.example.com/api/v3/"); u != "" {
		g.APIURL = strings.TrimSuffix(u, "/") + "/"
	}
	g.WebURL = webURL(g.APIURL)
	token, hasToken := v.secret("github.token", r.Token, r.TokenFile, r.TokenEnv)
	hasApp := r.App.Line > 0
	switch {
	case hasToken && hasApp:
		v.errs.add(r.App.Line, "github.app", "set either a token (github.token_env or github.token_file) or a GitHub App (github.app), not both")
	case hasToken:
		g.Token = token
	case !hasApp:
		v.errs.add(r.Line, "github", "no credentials: set github.token_env or github.token_file to use a token, or github.app to use a GitHub App")
	}
	if hasApp {
		g.App = v.app(&r.App)
	}

	secret, hasSecret := v.secret("github.webhook_secret", r.WebhookSecret, r.WebhookSecretFile, r.WebhookSecretEnv)
	insecureOn := boolOr(insecure, false)
	switch {
	case hasSecret && insecureOn:
		v.errs.add(insecure.Line, "insecure_no_webhook_secret", "is true, but a webhook secret is set too; remove one")
	case hasSecret:
		g.WebhookSecret = secret
	case insecureOn:
		v.warns.add(insecure.Line, "insecure_no_webhook_secret", "webhook signatures are NOT checked: anyone who can reach the server can send it forged events; use this for development only")
	default:
		v.errs.add(r.Line, "github", "no webhook secret: set github.webhook_secret_env or github.webhook_secret_file to the secret of the GitHub webhook (for development only, insecure_no_webhook_secret: true turns signature checks off)")
	}
	return g
}

func (v *validator) app(r *rawApp) *GitHubApp {
	a := &GitHubApp{
		AppID:          int64(v.id(r.AppID, r.Line, "github.app.app_id")),
		InstallationID: int64(v.id(r.InstallationID, r.Line, "github.app.installation_id")),
	}
	if !r.PrivateKeyFile.present() {
		v.errs.add(r.Line, "github.app.private_key_file", "required: the path of the GitHub App's private key (.pem)")
		return a
	}
	p, data, ok := v.file(r.PrivateKeyFile, "github.app.private_key_file")
	a.PrivateKeyFile = p
	if !ok {
		return a
	}
	if block, _ := pem.Decode(data); block == nil || !strings.HasSuffix(block.Type, "PRIVATE KEY") {
		v.errs.add(r.PrivateKeyFile.Line, "github.app.private_key_file", "file %s is not a PEM private key (the .pem file GitHub generates for the App)", p)
		return a
	}
	a.PrivateKey = newSecret(string(data))
	return a
}

// id checks a required positive number; parentLine is where its mapping
// is.
func (v *validator) id(s scalar[int], parentLine int, key string) int {
	switch {
	case !s.present():
		v.errs.add(parentLine, key, "required: a positive number (see the App's settings page)")
	case s.ok() && s.Value <= 0:
		v.errs.add(s.Line, key, "expected a positive number, got %d", s.Value)
	}
	return s.Value
}

func (v *validator) repositories(l list[rawRepository]) []Repository {
	if len(l.Items) == 0 {
		v.errs.add(l.Line, "repositories", "expected at least one repository: csocbot acts only on the repositories listed here")
	}
	first := make(map[string]int) // lower-case name: line
	var repos []Repository
	for i, r := range l.Items {
		if r.Line == 0 {
			continue // not a mapping, reported
		}
		key := fmt.Sprintf("repositories[%d]", i)
		name := r.Name.Value
		switch {
		case !r.Name.present():
			v.errs.add(r.Line, key+".name", "required: the repository as owner/repo")
		case !r.Name.ok():
		case !ownerRepoRE.MatchString(name) || strings.HasSuffix(name, "/.") || strings.HasSuffix(name, "/.."):
			v.errs.add(r.Name.Line, key+".name", "expected owner/repo, like csoc/gen3-infra; got %q", name)
		default:
			lower := strings.ToLower(name)
			if line, dup := first[lower]; dup {
				v.errs.add(r.Name.Line, key+".name", "%s is listed twice (first at line %d)", name, line)
			}
			first[lower] = r.Name.Line
		}
		if !r.Kind.present() {
			v.errs.add(r.Line, key+".kind", "required: infra or gitops")
		}
		repos = append(repos, Repository{
			Name:              name,
			Kind:              oneOf(v, r.Kind, key+".kind", KindInfra, KindGitOps),
			Autoplan:          boolOr(r.Autoplan, true),
			AllowForkAutoplan: boolOr(r.AllowForkAutoplan, false),
			DraftAutoplan:     boolOr(r.DraftAutoplan, false),
			TerragruntVersion: v.terragruntVersion(r.TerragruntVersion, key+".terragrunt_version"),
			ApplyAfterMerge:   oneOf(v, r.ApplyMode, key+".apply_mode", "comment", "after_merge") == "after_merge",
			Automerge:         boolOr(r.Automerge, false),
		})
		if repos[len(repos)-1].Automerge && repos[len(repos)-1].ApplyAfterMerge {
			v.errs.add(r.Automerge.Line, key+".automerge", "a repository that applies after merge cannot merge after apply: remove automerge or apply_mode: after_merge")
		}
	}
	return repos
}

func (v *validator) prefix(s scalar[string]) string {
	if !s.ok() {
		return defaultPrefix
	}
	if !wordRE.MatchString(s.Value) {
		v.errs.add(s.Line, "commands.prefix", "expected a single word (a letter, then letters, digits, - or _), like csocbot; got %q", s.Value)
	}
	return s.Value
}

// defaultCommandPermissions are what a commenter needs when
// commands.permissions does not say: a plan runs the pull request's code
// with the plan credentials, so it takes write access, as merging does.
var defaultCommandPermissions = map[string]string{"plan": "write", "apply": "write", "unlock": "write", "help": "none"}

// commandPermissions reads commands.permissions over the defaults.
func (v *validator) commandPermissions(r rawStringMap) map[string]string {
	perms := maps.Clone(defaultCommandPermissions)
	names := slices.Sorted(maps.Keys(perms))
	for _, kv := range r.Vars {
		name, level := kv.Name.Value, kv.Value.Value
		key := joinPath("commands.permissions", name)
		switch _, known := perms[name]; {
		case name == "approve_policies":
			v.errs.add(kv.Name.Line, key, "who may approve a policy set is its owners and teams (policies[].owners, policies[].teams), not a repository permission; remove this key")
			continue
		case !known:
			v.errs.add(kv.Name.Line, key, "unknown command; %s", suggest(name, names, "commands.permissions"))
			continue
		case !kv.Value.ok():
			continue // reported
		case !slices.Contains(CommandPermissionLevels, level):
			v.errs.add(kv.Value.Line, key, "expected %s; got %q", strings.Join(CommandPermissionLevels, ", "), level)
			continue
		}
		if (name == "plan" || name == "apply") && (level == "none" || level == "read") {
			v.warns.add(kv.Value.Line, key, "is %s: people without write access can then make csocbot run a pull request's code with the plan credentials (the default is write)", level)
		}
		perms[name] = level
	}
	return perms
}

// webURL is the address of the GitHub whose REST API is at apiURL ("" for
// github.com), with a trailing slash.
func webURL(apiURL string) string {
	if apiURL == "" {
		return "https://github.com/"
	}
	return strings.TrimSuffix(apiURL, "api/v3/")
}

func (v *validator) store(r rawStore, dataDir string) Store {
	st := Store{Driver: StoreSQLite, Lease: v.duration(r.Lease, "store.lease", defaultLease)}
	if st.Lease < minLease {
		v.errs.add(r.Lease.Line, "store.lease", "expected at least %s; got %s (the default, %s, suits most sites: a short lease lets a replica that is merely slow lose its jobs)", minLease, st.Lease, defaultLease)
		st.Lease = defaultLease
	}
	if r.Driver.ok() {
		switch r.Driver.Value {
		case StoreSQLite:
		case StorePostgres:
			st.Driver = StorePostgres
		default:
			v.errs.add(r.Driver.Line, "store.driver", "expected sqlite or postgres; got %q", r.Driver.Value)
		}
	}
	url, hasURL := v.secret("store.url", r.URL, r.URLFile, r.URLEnv)
	switch {
	case st.Driver == StorePostgres && !hasURL:
		v.errs.add(r.Driver.Line, "store", "the postgres driver needs the database URL (postgres://user:password@host:5432/csocbot): set store.url_file to a file holding it, or store.url_env to an environment variable")
	case st.Driver == StoreSQLite && hasURL:
		v.errs.add(firstLine(r.URL, r.URLFile, r.URLEnv), "store", "a database URL is set but the driver is sqlite: set store.driver: postgres, or remove the URL")
	case st.Driver == StorePostgres && r.Path.present():
		v.errs.add(r.Path.Line, "store.path", "is the SQLite file, and the driver is postgres: remove store.path")
	}
	if st.Driver == StorePostgres {
		st.URL = url
		return st
	}
	st.Path = v.path(r.Path, "store.path", filepath.Join(dataDir, storeFileName))
	return st
}

// firstLine is the line of the first of ss that is present.
func firstLine(ss ...scalar[string]) int {
	for _, s := range ss {
		if s.present() {
			return s.Line
		}
	}
	return 0
}

// defaultLease is long enough that a replica busy with a large plan
// renews in time, and short enough that a dead replica's plan is taken
// over within a minute.
const defaultLease = 30 * time.Second

// minLease keeps a lease long enough to be renewed three times over a
// network (tests use it to see a replica's jobs taken over quickly).
const minLease = 2 * time.Second

func (v *validator) terraform(r rawTerraform, dataDir string) Terraform {
	t := Terraform{
		Binary:           v.executable(r.Binary, "terraform.binary"),
		Engine:           oneOf(v, r.Engine, "terraform.engine", EngineNative, EngineTerragrunt),
		TerragruntBinary: v.executable(r.TerragruntBinary, "terraform.terragrunt_binary"),
		PluginCache:      v.path(r.PluginCache, "terraform.plugin_cache", filepath.Join(dataDir, pluginCacheName)),
	}
	if t.TerragruntBinary != "" && t.Engine != EngineTerragrunt {
		v.warns.add(r.TerragruntBinary.Line, "terraform.terragrunt_binary", "is ignored: it is used only when terraform.engine is terragrunt")
	}
	if r.CLIConfigFile.ok() {
		t.CLIConfigFile, _, _ = v.file(r.CLIConfigFile, "terraform.cli_config_file")
	}
	return t
}

func (v *validator) env(r rawStringMap) map[string]string {
	env := make(map[string]string, len(r.Vars))
	for _, kv := range r.Vars {
		name := kv.Name.Value
		key := joinPath("terragrunt.env", name)
		if !envNameRE.MatchString(name) {
			v.errs.add(kv.Name.Line, key, "expected an environment variable name (letters, digits and _, not starting with a digit)")
			continue
		}
		for _, w := range secretish {
			if strings.Contains(strings.ToUpper(name), w) {
				v.warns.add(kv.Name.Line, key, "looks like a secret; pull request content can read and print terragrunt.env values, so keep secrets out of it")
				break
			}
		}
		env[name] = kv.Value.Value
	}
	return env
}

func (v *validator) environments(l list[rawEnvironment], repos []Repository, profiles []CredentialProfile) []Environment {
	first := make(map[string]int)
	var envs []Environment
	for i, r := range l.Items {
		if r.Line == 0 {
			continue // not a mapping, reported
		}
		key := fmt.Sprintf("environments[%d]", i)
		e := Environment{Name: r.Name.Value}
		switch {
		case !r.Name.present():
			v.errs.add(r.Line, key+".name", "required: the environment's name, like prod")
		case !r.Name.ok():
		case !envRE.MatchString(e.Name):
			v.errs.add(r.Name.Line, key+".name", "expected a name of letters, digits, ., - and _, like prod; got %q", e.Name)
		default:
			// One environment may span several accounts or regions, one
			// entry each.
			where := e.Name + "\x00" + r.Account.Value + "\x00" + r.Region.Value
			if line, dup := first[where]; dup {
				v.errs.add(r.Name.Line, key+".name", "environment %s is defined twice for the same account and region (first at line %d)", e.Name, line)
			}
			first[where] = r.Name.Line
		}
		e.Account, e.Region = r.Account.Value, r.Region.Value
		e.Prod = boolOr(r.Prod, e.Name == "prod" || e.Name == "production")
		if r.Account.ok() && !accountRE.MatchString(e.Account) {
			v.errs.add(r.Account.Line, key+".account", "expected a 12-digit AWS account id, like \"123456789012\" (quoted); got %q", e.Account)
		}
		if r.Region.ok() && !regionRE.MatchString(e.Region) {
			v.errs.add(r.Region.Line, key+".region", "expected a region like us-east-1; got %q", e.Region)
		}
		for _, kv := range r.Tags.Vars {
			if e.Tags == nil {
				e.Tags = map[string]string{}
			}
			e.Tags[kv.Name.Value] = kv.Value.Value
		}
		if len(r.Paths.Items) == 0 {
			v.errs.add(cmp.Or(r.Paths.Line, r.Line), key+".paths", "expected at least one glob of unit paths, like live/*/*/prod/**")
		}
		for j, g := range r.Paths.Items {
			if !g.ok() {
				continue
			}
			if msg := checkGlob(g.Value); msg != "" {
				v.errs.add(g.Line, fmt.Sprintf("%s.paths[%d]", key, j), "%s; got %q", msg, g.Value)
				continue
			}
			e.Paths = append(e.Paths, g.Value)
		}
		e.Repositories = v.repositoryRefs(r.Repositories, key, repos)
		e.Credentials = v.profileRef(r.Credentials, key+".credentials", profiles)
		envs = append(envs, e)
	}
	return envs
}

// checkGlob says what is wrong with a glob of unit paths, or "".
// repositoryRefs checks the repositories a key under parent names: each
// must be listed under repositories.
func (v *validator) repositoryRefs(l list[scalar[string]], parent string, repos []Repository) []string {
	var out []string
	for j, name := range l.Items {
		if !name.ok() {
			continue
		}
		if !slices.ContainsFunc(repos, func(r Repository) bool { return strings.EqualFold(r.Name, name.Value) }) {
			v.errs.add(name.Line, fmt.Sprintf("%s.repositories[%d]", parent, j), "%q is not one of the repositories listed under repositories", name.Value)
		}
		out = append(out, name.Value)
	}
	return out
}

// CheckPathGlob reports what is wrong with a glob of unit paths, as
// environments[].paths takes them; nil when it is valid.
func CheckPathGlob(g string) error {
	if msg := checkGlob(g); msg != "" {
		return fmt.Errorf("%s; got %q", msg, g)
	}
	return nil
}

func checkGlob(g string) string {
	if g == "" || strings.HasPrefix(g, "/") {
		return "expected a glob relative to the repository root, like live/*/*/prod/**"
	}
	for seg := range strings.SplitSeq(g, "/") {
		switch {
		case seg == "" || seg == "." || seg == "..":
			return "expected path segments separated by single slashes, without . or .."
		case seg != "**" && strings.Contains(seg, "**"):
			return "** must be a whole path segment, like live/**/prod"
		}
		if _, err := path.Match(seg, ""); err != nil {
			return "malformed glob (unclosed [ or trailing \\)"
		}
	}
	return ""
}

// number checks an optional whole number from lo to hi.
func (v *validator) number(s scalar[int], key string, def, lo, hi int) int {
	if !s.ok() {
		return def
	}
	if s.Value < lo || s.Value > hi {
		v.errs.add(s.Line, key, "expected a number from %d to %d, got %d", lo, hi, s.Value)
	}
	return s.Value
}

func (v *validator) duration(s scalar[string], key string, def time.Duration) time.Duration {
	if !s.ok() {
		return def
	}
	d, err := time.ParseDuration(s.Value)
	if err != nil || d <= 0 {
		v.errs.add(s.Line, key, "expected a positive duration like 30m or 1h30m; got %q", s.Value)
		return def
	}
	return d
}

// terragruntVersion checks a Terragrunt release like 0.63.6.
func (v *validator) terragruntVersion(s scalar[string], key string) string {
	if !s.ok() {
		return ""
	}
	ver, err := version.NewVersion(s.Value)
	if err != nil {
		v.errs.add(s.Line, key, "expected a Terragrunt release like 0.63.6; got %q", s.Value)
		return ""
	}
	return ver.String()
}

func (v *validator) logLevel(s scalar[string]) slog.Level {
	levels := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}
	if !s.ok() {
		return slog.LevelInfo
	}
	l, ok := levels[s.Value]
	if !ok {
		v.errs.add(s.Line, "log.level", "expected debug, info, warn or error; got %q", s.Value)
	}
	return l
}

// boolOr returns an optional true or false, def when it is not set.
func boolOr(s scalar[bool], def bool) bool {
	if !s.ok() {
		return def
	}
	return s.Value
}

// oneOf checks an optional choice among allowed, the first being the
// default.
func oneOf[T ~string](v *validator, s scalar[string], key string, allowed ...T) T {
	if !s.ok() {
		return allowed[0]
	}
	if !slices.Contains(allowed, T(s.Value)) {
		names := make([]string, len(allowed))
		for i, a := range allowed {
			names[i] = string(a)
		}
		v.errs.add(s.Line, key, "expected %s; got %q", strings.Join(names, " or "), s.Value)
	}
	return T(s.Value)
}
