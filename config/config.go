// Package config reads csocbot's server configuration: the YAML file an
// operator writes, turned into validated, typed settings.
//
// It is a package of its own so that there is exactly one place that
// parses the file, applies defaults, resolves secrets and decides what is
// valid: `csocbot serve`, `csocbot serve --check` and the commands that come
// later all load the same Config and report the same errors. Those errors
// name the file, line and key path of every problem, all at once, and say
// what was expected. example.yaml documents every key.
//
// Parsing has two steps, kept apart: the file is first decoded as written
// (raw.go: every value with its line, unknown keys rejected), then checked
// and turned into a Config (validate.go). A Config is only ever returned
// whole and valid.
package config

import (
	"cmp"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Config is a validated server configuration. Relative paths in the file
// are resolved against the directory holding it.
type Config struct {
	// Listen is the HTTP server's address, host:port.
	Listen string
	// PublicURL is the server's public https URL without a trailing
	// slash, for links in statuses and comments; "" when not set.
	PublicURL string
	// DataDir holds the store and the caches unless they are placed
	// elsewhere.
	DataDir string
	Log     Log
	GitHub  GitHub
	// InsecureNoWebhookSecret says webhook deliveries are accepted
	// without checking their signature (development only; a Warning says
	// so).
	InsecureNoWebhookSecret bool
	// Repositories are the repositories csocbot acts on.
	Repositories []Repository
	// CommandPrefix is the word that starts a pull request comment
	// command ("csocbot plan").
	CommandPrefix string
	// CommandPermissions is the least repository permission a commenter
	// needs to run each command, by name (plan, apply, unlock, help): one
	// of CommandPermissionLevels. approve_policies is governed by the
	// policy sets' owners instead.
	CommandPermissions map[string]string
	// MaxCommandsPerComment bounds the command lines one comment runs.
	MaxCommandsPerComment int
	Store                 Store
	// PlanEncryption holds the keys that encrypt plan files kept in the
	// store; nil when plan_encryption is not set.
	PlanEncryption *PlanEncryption
	// Webhook bounds the reading of webhook deliveries.
	Webhook Webhook
	// Workers bounds how many pull requests are processed at once.
	Workers          int
	Plan             Plan
	CheckoutStrategy CheckoutStrategy
	Terraform        Terraform
	Terragrunt       Terragrunt
	// Environments map unit paths to environment names, first match
	// first; see EnvironmentOf.
	Environments []Environment
	// GitOps configures the reading of gitops repositories.
	GitOps GitOps
	// Sandbox says how terraform, terragrunt and what they start are
	// confined while they run pull request content.
	Sandbox Sandbox
	// Policies are the policy sets every plan is checked against.
	Policies []PolicySet
	// Credentials are the cloud credentials runs get; see CredentialsOf.
	Credentials Credentials
	// Cleanup bounds what the server keeps on disk.
	Cleanup Cleanup
	// Apply says whether and how units are applied.
	Apply Apply
	// API is the operators' HTTP API; nil when api is not set, which
	// turns it off.
	API *API
	// Slack is where notifications go; nil when slack is not set, which
	// turns Slack off.
	Slack *Slack
	// Warnings are settings that are valid but dangerous, one message
	// each (with file and line), for the server to log loudly at start.
	Warnings []string
}

// Log configures the server's log.
type Log struct {
	Level  slog.Level
	Format LogFormat
}

// LogFormat is the log's encoding.
type LogFormat string

// The log formats.
const (
	LogText LogFormat = "text"
	LogJSON LogFormat = "json"
)

// CommandPermissionLevels are the values of CommandPermissions, GitHub's
// repository roles from least to most: each includes the ones before it,
// and none lets anyone who can comment run the command.
var CommandPermissionLevels = []string{"none", "read", "triage", "write", "maintain", "admin"}

// GitHub configures access to GitHub. Exactly one of Token and App is set.
type GitHub struct {
	// APIURL is the REST API's URL with a trailing slash, for GitHub
	// Enterprise Server; "" means github.com.
	APIURL string
	// WebURL is the address repositories are cloned from, with a trailing
	// slash: https://github.com/, or the GitHub Enterprise Server APIURL
	// belongs to. See CloneURL.
	WebURL string
	// Token authenticates as a user or machine user; zero when App is set.
	Token Secret
	// App authenticates as a GitHub App installation; nil when Token is
	// set.
	App *GitHubApp
	// WebhookSecret verifies webhook signatures; zero only when
	// Config.InsecureNoWebhookSecret is set.
	WebhookSecret Secret
}

// GitHubApp is GitHub App authentication.
type GitHubApp struct {
	AppID          int64
	InstallationID int64
	// PrivateKeyFile is the PEM file PrivateKey was read from.
	PrivateKeyFile string
	PrivateKey     Secret
}

// Repository is a repository csocbot acts on.
type Repository struct {
	// Name is owner/repo as written in the file.
	Name string
	Kind RepoKind
	// Autoplan plans affected units when a pull request is opened or
	// updated.
	Autoplan bool
	// AllowForkAutoplan and DraftAutoplan extend Autoplan to pull requests
	// from forks and to draft pull requests.
	AllowForkAutoplan bool
	DraftAutoplan     bool
	// TerragruntVersion is the Terragrunt release run on this repository
	// (terragrunt_version, default terragrunt.version); "" when neither
	// is set. Units using syntax it rejects are warned about.
	TerragruntVersion string
	// ApplyAfterMerge (apply_mode: after_merge) applies a pull request's
	// saved plans once it is merged, branch protection deciding who may
	// merge; otherwise (apply_mode: comment, the default) a `csocbot
	// apply` comment applies them before the merge.
	ApplyAfterMerge bool
	// Automerge merges a pull request once every unit it affects has
	// applied cleanly at its head (comment mode only).
	Automerge bool
}

// RepoKind is what a repository holds.
type RepoKind string

// The repository kinds.
const (
	// KindInfra holds Terragrunt units and Terraform roots to plan.
	KindInfra RepoKind = "infra"
	// KindGitOps holds Gen3 gitops manifests; csocbot does not run
	// terraform on it.
	KindGitOps RepoKind = "gitops"
)

// Webhook bounds the reading of webhook deliveries.
type Webhook struct {
	// MaxConcurrentReads bounds how many deliveries' bodies are read at
	// once before their signatures are checked, and so the memory
	// strangers can make the server use (each body is at most 25 MB).
	MaxConcurrentReads int
}

// Store drivers.
const (
	// StoreSQLite keeps the state in one file: the embedded default,
	// for one replica.
	StoreSQLite = "sqlite"
	// StorePostgres keeps the state in a PostgreSQL database that any
	// number of replicas share.
	StorePostgres = "postgres"
)

// Store is where csocbot keeps its state.
type Store struct {
	// Driver is StoreSQLite or StorePostgres.
	Driver string
	// Path is the SQLite database file.
	Path string
	// URL is the PostgreSQL connection URL, which may hold a password.
	URL Secret
	// Lease is how long a running job stays its replica's without the
	// replica renewing it: a replica that dies has its plans taken over,
	// and its applies marked interrupted, a lease after it stopped.
	Lease time.Duration
}

// Shared reports whether several processes may run jobs from the store
// at once, so none may take the running jobs for its own dead
// predecessor's at start.
func (s Store) Shared() bool { return s.Driver == StorePostgres }

// Plan configures planning.
type Plan struct {
	// Parallelism bounds how many units of a pull request are planned at
	// once; 0 means the number of CPUs.
	Parallelism int
	// Timeout bounds planning one pull request.
	Timeout time.Duration
}

// Cleanup says when the server removes what it keeps on disk. A pull
// request's working directories go when it is closed or merged; the rest
// is checked every Interval.
type Cleanup struct {
	// Interval is how often old working directories are removed and the
	// repository mirrors' garbage is collected.
	Interval time.Duration
	// MaxAge is how long a working directory (a plan's, or a checkout for
	// the terragrunt engine) or a clone of a module source is kept after
	// it was last used.
	MaxAge time.Duration
	// KeepRecords is how long the store keeps webhook deliveries, finished
	// jobs and the runs of pull requests nobody touches any more.
	KeepRecords time.Duration
}

// CheckoutStrategy is which revision of a pull request is planned.
type CheckoutStrategy string

// The checkout strategies.
const (
	// CheckoutMerge plans the pull request merged into its base branch.
	CheckoutMerge CheckoutStrategy = "merge"
	// CheckoutBranch plans the pull request's head commit.
	CheckoutBranch CheckoutStrategy = "branch"
)

// Terraform configures how units are planned.
type Terraform struct {
	// Binary is the terraform or tofu executable, a path or a name looked
	// up on PATH; "" means terraform, else tofu, on PATH.
	Binary string
	Engine Engine
	// TerragruntBinary is the terragrunt executable for EngineTerragrunt,
	// a path or a name looked up on PATH; "" means terragrunt on PATH.
	TerragruntBinary string
	// CLIConfigFile is terraform's CLI configuration file; "" for none.
	CLIConfigFile string
	// PluginCache is the shared provider plugin cache directory.
	PluginCache string
}

// Engine is how units are prepared for terraform.
type Engine string

// The engines.
const (
	// EngineNative prepares units the way Terragrunt would, without it.
	EngineNative Engine = "native"
	// EngineTerragrunt runs units with the terragrunt CLI.
	EngineTerragrunt Engine = "terragrunt"
)

// Terragrunt configures the evaluation of Terragrunt files.
type Terragrunt struct {
	// Env is what get_env sees, taken literally from the file.
	Env map[string]string
	// AllowRunCmd and AllowSopsDecrypt enable those Terragrunt functions.
	AllowRunCmd      bool
	AllowSopsDecrypt bool
	// Version is the Terragrunt release the site's operators run, such
	// as 0.63.6; "" when not set. Units using syntax it rejects are
	// warned about in the comment.
	Version string
	// EvaluationTimeout bounds the evaluation of one unit's files: a unit
	// that takes longer fails alone with a clear error. 0 means the
	// evaluator's default (10s).
	EvaluationTimeout time.Duration
}

// Environment names the units whose paths match one of its globs.
type Environment struct {
	Name string
	// Paths are globs over unit paths relative to the repository root:
	// * and ? match within a path segment, [...] is a class, and a
	// segment ** matches any number of segments.
	Paths []string
	// Repositories limits the environment to these repositories; empty
	// means all.
	Repositories []string
	// Account, Region and Tags describe where the units run, for policies;
	// all optional.
	Account string
	Region  string
	Tags    map[string]string
	// Credentials names the credential profile of the units' runs; ""
	// means Config.Credentials.Default.
	Credentials string
	// Prod marks a production environment, where stricter policies
	// apply (prod: true; default true for an environment named prod or
	// production).
	Prod bool
}

// PolicySet is a server-side folder (or OPA bundle) of Rego rules and who
// may override its failures.
type PolicySet struct {
	Name string
	// Path is a folder of .rego files (with optional data.json/data.yaml)
	// or an OPA bundle (.tar.gz).
	Path string
	// Owners are GitHub logins and Teams "org/team" slugs whose
	// approve_policies comments count towards an override.
	Owners []string
	Teams  []string
	// Approvals is how many owners must approve to override a failure at
	// one head; 0 means failures cannot be overridden.
	Approvals int
	// AuthorMayApprove lets the pull request's author count as an owner.
	AuthorMayApprove bool
	// Repositories and Environments limit where the set applies; empty
	// means everywhere.
	Repositories []string
	Environments []string
}

// Credentials are the credential profiles runs get their cloud credentials
// from, and which one a run gets.
type Credentials struct {
	Profiles []CredentialProfile
	// Default names the profile of units whose environment entry names
	// none; "" means such runs get no credentials.
	Default string
}

// CredentialProfile is one way of giving runs cloud credentials, minted
// per run by server/credentials.
type CredentialProfile struct {
	Name string
	Kind CredentialKind
	// PlanRoleARN and ApplyRoleARN are the IAM roles plans and applies
	// assume (CredentialsAssumeRole only).
	PlanRoleARN  string
	ApplyRoleARN string
	// ExternalID is sent with AssumeRole when not "".
	ExternalID string
	// Duration is how long the minted credentials last (CredentialsAssumeRole
	// only; 15m to 12h).
	Duration time.Duration
	// Region is given to runs as AWS_REGION and AWS_DEFAULT_REGION and
	// is where STS is called; "" for neither.
	Region string
	// EnvFile is the file of NAME=value lines runs get as environment
	// variables (CredentialsEnvFile only); an absolute path.
	EnvFile string
	// AllowedRoles are the IAM roles, besides PlanRoleARN and
	// ApplyRoleARN, that a unit's code may assume (Terragrunt iam_role,
	// provider assume_role blocks): role ARNs, where * matches any run of
	// characters. The bundled policy library denies any other.
	AllowedRoles []string
}

// CredentialKind is how a profile gets credentials.
type CredentialKind string

// The credential kinds.
const (
	// CredentialsAssumeRole assumes an AWS IAM role with STS, from the
	// bot's own credentials (the standard AWS chain).
	CredentialsAssumeRole CredentialKind = "aws_assume_role"
	// CredentialsEnvFile reads variables from a file, for other clouds.
	CredentialsEnvFile CredentialKind = "static_env_file"
	// CredentialsNone gives runs no credentials.
	CredentialsNone CredentialKind = "none"
)

// Load reads and validates the configuration file at path, with secrets
// from the process environment and the file system.
func Load(path string) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	return Parse(data, abs, os.LookupEnv, os.ReadFile)
}

// Parse validates the configuration data read from source, which names
// the file in error messages and whose directory relative paths are
// resolved against. lookupEnv and readFile read secrets and check that
// files exist. The error lists every problem, one per line.
func Parse(data []byte, source string, lookupEnv func(string) (string, bool), readFile func(string) ([]byte, error)) (*Config, error) {
	v := &validator{
		errs:      problems{source: source},
		warns:     problems{source: source},
		dir:       filepath.Dir(source),
		lookupEnv: lookupEnv,
		readFile:  readFile,
	}
	raw := parseRaw(data, &v.errs)
	if raw == nil {
		return nil, v.errs.err()
	}
	c := v.config(raw)
	if err := v.errs.err(); err != nil {
		return nil, err
	}
	c.Warnings = v.warns.strings()
	return c, nil
}

// CloneURL is the HTTPS address of repository repo (owner/name, as
// configured). It is built from the configuration alone: a webhook's
// clone_url names whatever host its payload says, and csocbot's token must
// never be sent there.
func (g GitHub) CloneURL(repo string) string { return g.WebURL + repo + ".git" }

// Host is the host (and port, if any) of WebURL: the only host csocbot
// sends its GitHub credentials to.
func (g GitHub) Host() string {
	u, err := url.Parse(g.WebURL)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// Repository returns the configured repository named owner/repo, ignoring
// case as GitHub does.
func (c *Config) Repository(name string) (Repository, bool) {
	for _, r := range c.Repositories {
		if strings.EqualFold(r.Name, name) {
			return r, true
		}
	}
	return Repository{}, false
}

// EnvironmentOf returns the name of the environment of the unit at
// unitPath (relative to the root of repository repo, owner/repo), or ""
// when it has none; see PlacementOf.
func (c *Config) EnvironmentOf(repo, unitPath string) string {
	return c.PlacementOf(repo, unitPath).Name
}

// PlacementOf returns the environment entry of the unit at unitPath
// (relative to the root of repository repo, owner/repo): the first entry
// that applies to repo and has a glob matching the path. It returns the
// zero Environment when none does. Policies use this mapping rather than
// guessing from path names.
func (c *Config) PlacementOf(repo, unitPath string) Environment {
	segs := strings.Split(path.Clean(strings.TrimPrefix(unitPath, "/")), "/")
	for _, e := range c.Environments {
		if len(e.Repositories) > 0 && !slices.ContainsFunc(e.Repositories, func(r string) bool { return strings.EqualFold(r, repo) }) {
			continue
		}
		for _, g := range e.Paths {
			if matchGlob(strings.Split(g, "/"), segs) {
				return e
			}
		}
	}
	return Environment{}
}

// CredentialsOf returns the name of the credential profile runs of the unit
// at unitPath (relative to the root of repository repo) get: the one its
// environment entry names (see PlacementOf), else credentials.default; ""
// means no credentials.
func (c *Config) CredentialsOf(repo, unitPath string) string {
	return cmp.Or(c.PlacementOf(repo, unitPath).Credentials, c.Credentials.Default)
}

// matchGlob matches path segments against glob segments, where a "**"
// segment matches any number of segments. Backtracking only to the last
// "**" suffices, as in wildcard matching over characters.
func matchGlob(glob, segs []string) bool {
	g, s := 0, 0
	star, starS := -1, 0
	for s < len(segs) {
		switch {
		case g < len(glob) && glob[g] == "**":
			star, starS = g, s
			g++
		case g < len(glob) && matchSegment(glob[g], segs[s]):
			g++
			s++
		case star >= 0:
			starS++
			g, s = star+1, starS
		default:
			return false
		}
	}
	for g < len(glob) && glob[g] == "**" {
		g++
	}
	return g == len(glob)
}

func matchSegment(glob, seg string) bool {
	ok, _ := path.Match(glob, seg) // globs are validated when loaded
	return ok
}

// Sandbox configures the confinement of the programs that run pull
// request content (see planner/sandbox).
type Sandbox struct {
	// Off runs them unconfined (sandbox.mode: off): only for repositories
	// whose every pull request author is trusted with the bot's secrets.
	Off bool
	// Writable are further folders runs may write, such as a local
	// backend's state folder; absolute paths.
	Writable []string
	// OpenNetwork lets runs connect anywhere (sandbox.network: open);
	// otherwise their TCP connections go only to ConnectPorts, which
	// keeps them from the instance metadata service on port 80.
	OpenNetwork  bool
	ConnectPorts []uint16
}

// defaultConnectPorts are SSH and HTTPS (git sources, registries, cloud
// APIs) and DNS over TCP.
var defaultConnectPorts = []uint16{22, 53, 443}
