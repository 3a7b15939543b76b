package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/planner/comment"
	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/engine"
	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/planner/tfrun"
	"github.com/csocbot/csocbot/policy"
	"github.com/csocbot/csocbot/server/workflow"
	"github.com/csocbot/csocbot/server/workflow/policycheck"
)

func runPreview(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("preview", "preview --repo DIR --base REV --head REV [--json]", stdout, stderr)
	var change changeFlags
	change.register(fs)
	asJSON := fs.Bool("json", false, "print the results as JSON instead of the comment Markdown")
	cacheDir := fs.String("cache", defaultCacheDir(), "working directories, provider plugin cache and module sources")
	binary := fs.String("terraform", "", "terraform or tofu executable (default: terraform, then tofu, on PATH)")
	parallelism := fs.Int("parallelism", 0, "units planned at once (default: number of CPUs)")
	verbose := fs.Bool("v", false, "log each step and terraform command with its duration to stderr")
	confine := fs.Bool("sandbox", false, "confine terraform to each run's files as the server does (Linux with Landlock)")
	var writable listFlag
	fs.Var(&writable, "writable", "with --sandbox, a further folder runs may write, such as a local backend's state folder (repeatable)")
	engineName := fs.String("engine", "native", "how Terragrunt units run: native (csocbot prepares them) or terragrunt (a terragrunt binary on PATH runs them in the checkout at --repo, which must be at --head)")
	var policyDirs listFlag
	fs.Var(&policyDirs, "policies", "a policy folder (or OPA bundle) to check every unit against, before and after its plan, as the server does (repeatable)")
	environments := envMapFlag{}
	fs.Var(&environments, "environment", "NAME=GLOB: units (or, in a gitops repository, Application folders) whose path matches GLOB belong to environment NAME, for policies, e.g. prod='live/*/*/prod/**' (repeatable, first match wins; an environment named prod or production is a production one)")
	kind := fs.String("kind", "auto", "what the repository holds: infra (Terragrunt units, Terraform roots), gitops (Argo CD Applications and Helm values), or auto")
	charts := chartRepoFlag{}
	fs.Var(charts, "chart-repo", "URL=DIR: render charts of the git repository URL from the local folder or clone DIR instead of fetching it, e.g. https://github.com/uc-cdis/gen3-helm=../gen3-helm (gitops; repeatable)")
	var chartHosts listFlag
	fs.Var(&chartHosts, "chart-host", "a further host charts may be fetched from, besides github.com (gitops; repeatable)")
	root, err := change.parse(fs, args)
	if err != nil {
		return err
	}
	if *parallelism < 0 {
		fmt.Fprintf(stderr, "--parallelism must be 0 (the number of CPUs) or more, not %d\n", *parallelism)
		return exitError{code: 2}
	}
	policies, err := loadPolicyDirs(ctx, policyDirs)
	if err != nil {
		return err
	}
	env := change.env
	logger := slog.New(slog.DiscardHandler)
	if *verbose {
		logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	// Checking the terraform binary runs it once (its version is then
	// cached); start it while the repository opens.
	type found struct {
		bin tfrun.Binary
		err error
	}
	binCh := make(chan found, 1)
	go func() {
		bin, err := tfrun.Find(ctx, tfrun.FindOptions{Path: *binary, CacheFile: filepath.Join(*cacheDir, "binary.json")})
		binCh <- found{bin, err}
	}()
	repo, err := gitrepo.Open(root)
	if err != nil {
		return err
	}
	defer repo.Close()
	head, err := repo.ResolveCommit(change.head)
	if err != nil {
		return err
	}
	headFiles, err := repo.Snapshot(ctx, head.String())
	if err != nil {
		return err
	}
	switch k, err := repoKind(ctx, *kind, headFiles); {
	case err != nil:
		return err
	case k == config.KindGitOps:
		<-binCh // gitops needs no terraform
		return valuesPreview{
			repo: repo, base: change.base, head: change.head, headSHA: head.String(),
			policies: policies, environments: environments.list, charts: charts, chartHosts: chartHosts,
			cacheDir: *cacheDir, asJSON: *asJSON, logger: logger,
		}.run(ctx, stdout)
	}
	bf := <-binCh
	if bf.err != nil {
		return bf.err
	}
	opts := engine.Options{Binary: bf.bin, CacheDir: *cacheDir, Parallelism: *parallelism, Env: env, Logger: logger}
	if opts.Sandbox, err = previewSandbox(ctx, *confine, logger); err != nil {
		return err
	}
	for _, dir := range writable {
		abs, err := filepath.Abs(dir)
		if err == nil {
			err = requireFolder(abs)
		}
		if err != nil {
			return fmt.Errorf("--writable %s: %w", dir, err)
		}
		opts.Writable = append(opts.Writable, abs)
	}
	switch *engineName {
	case "native":
	case "terragrunt":
		if opts.Terragrunt, err = engine.FindTerragrunt(ctx, "terragrunt"); err != nil {
			return err
		}
	default:
		fmt.Fprintf(stderr, "--engine must be native or terragrunt, not %q\n", *engineName)
		return exitError{code: 2}
	}
	eng, err := engine.New(opts)
	if err != nil {
		return err
	}
	// Working directories of earlier previews are kept for a week, for
	// looking into a plan; older ones go.
	if err := eng.CleanWorkDirs(7 * 24 * time.Hour); err != nil {
		logger.Warn("could not clean old working directories", "error", err)
	}
	// The server's plan workflow, with no pull request to read and no
	// store: the comment is the one the server would post.
	plan := &workflow.Plan{
		Engine:    eng,
		Config:    &config.Config{Environments: environments.list, CommandPrefix: config.DefaultCommandPrefix},
		Policies:  policies,
		Reporters: []workflow.Reporter{stdoutReporter{w: stdout, json: *asJSON}},
		Logger:    logger,
	}
	out, err := plan.Run(ctx, workflow.PlanRequest{
		Change:   workflow.Change{HeadSHA: head.String(), HeadRef: change.head, BaseRef: change.base},
		Repo:     repo,
		Detector: detect.New(repo, detect.Options{Root: root, Env: env, SkipDependents: change.noDependents, TerragruntVersion: change.terragrunt}),
		Base:     change.base,
		Head:     change.head,
		Root:     root,
		Key:      "preview/" + safeKey(root) + "/" + head.String(),
	})
	switch {
	case err != nil:
		return err
	case out.Refused != nil:
		return out.Refused
	case out.Run.Failed() || len(policycheck.NewVerdict(out.Policy).Failing) > 0:
		return exitError{code: 1}
	}
	return nil
}

// loadPolicyDirs loads each folder as a policy set named after it; nil
// when there are none.
func loadPolicyDirs(ctx context.Context, dirs []string) (*policy.Engine, error) {
	if len(dirs) == 0 {
		return nil, nil
	}
	sets := make([]policy.Set, len(dirs))
	for i, d := range dirs {
		name := strings.TrimSuffix(filepath.Base(filepath.Clean(d)), ".tar.gz")
		if i > 0 && slices.ContainsFunc(sets[:i], func(s policy.Set) bool { return s.Name == name }) {
			name = fmt.Sprintf("%s-%d", name, i+1)
		}
		sets[i] = policy.Set{Name: name, Dir: d}
	}
	return policy.Load(ctx, sets)
}

func defaultCacheDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "csocbot")
	}
	return filepath.Join(os.TempDir(), "csocbot-cache")
}

func safeKey(s string) string { return strings.Trim(strings.ReplaceAll(s, "/", "_"), "_") }

// stdoutReporter prints a plan's comment, split as GitHub would need it,
// or its results as JSON. Replies (a change that cannot be planned) reach
// the user as the workflow's outcome instead.
type stdoutReporter struct {
	w    io.Writer
	json bool
}

func (r stdoutReporter) Report(_ context.Context, rep workflow.Report) error {
	if rep.Plan == nil && rep.Values == nil {
		return nil
	}
	if r.json {
		enc := json.NewEncoder(r.w)
		enc.SetIndent("", "  ")
		if rep.Values != nil {
			return enc.Encode(rep.Values)
		}
		return enc.Encode(previewJSON(rep.Plan))
	}
	for i, p := range comment.Split(rep.Comment.Markdown, comment.MaxCommentLength) {
		if i > 0 {
			if _, err := fmt.Fprintln(r.w, "\n---"); err != nil {
				return err
			}
		}
		if _, err := fmt.Fprintln(r.w, p); err != nil {
			return err
		}
	}
	return nil
}

type previewUnit struct {
	Path          string   `json:"path"`
	Kind          string   `json:"kind"`
	Status        string   `json:"status"`
	Reasons       []string `json:"reasons"`
	Create        int      `json:"create"`
	Update        int      `json:"update"`
	Delete        int      `json:"delete"`
	Replace       int      `json:"replace"`
	PlanFile      string   `json:"plan_file,omitempty"`
	PlanSHA256    string   `json:"plan_sha256,omitempty"`
	FailedCommand string   `json:"failed_command,omitempty"`
	Error         string   `json:"error,omitempty"`
	SkipReason    string   `json:"skip_reason,omitempty"`
	BlockReason   string   `json:"block_reason,omitempty"`
	Warnings      []string `json:"warnings,omitempty"`
	DurationMS    int64    `json:"duration_ms"`
	// Policy is set when policies were checked and a set applies.
	Policy *policycheck.UnitResults `json:"policy,omitempty"`
}

func previewJSON(out *workflow.PlanOutcome) any {
	run := out.Run
	units := make([]previewUnit, 0, len(run.Results))
	for _, r := range run.Results {
		u := previewUnit{
			Path: r.Path, Kind: string(r.Kind), Status: string(r.Status), Reasons: r.Reasons,
			PlanFile: r.PlanFile, PlanSHA256: r.PlanSHA256, FailedCommand: r.FailedCommand,
			Error: r.ErrorTail, SkipReason: r.SkipReason, BlockReason: r.BlockReason, Warnings: r.Warnings, DurationMS: r.Duration.Milliseconds(),
			Policy: out.Policy[r.Path],
		}
		if s := r.Summary; s != nil {
			u.Create, u.Update, u.Delete, u.Replace = s.Create, s.Update, s.Delete, s.Replace
		}
		units = append(units, u)
	}
	return map[string]any{
		"binary":  map[string]string{"path": run.Binary.Path, "flavor": run.Binary.Flavor.String(), "version": run.Binary.Version.String()},
		"units":   units,
		"deleted": out.Detected.Deleted,
	}
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	*l = append(*l, s)
	return nil
}

// envMapFlag collects NAME=GLOB environment mappings, in order, with the
// glob syntax of the server configuration's environments.
type envMapFlag struct{ list []config.Environment }

func (e *envMapFlag) String() string { return "" }

func (e *envMapFlag) Set(s string) error {
	name, glob, ok := strings.Cut(s, "=")
	if !ok || name == "" || glob == "" {
		return fmt.Errorf("want NAME=GLOB, like prod='live/*/*/prod/**', got %q", s)
	}
	if err := config.CheckPathGlob(glob); err != nil {
		return err
	}
	e.list = append(e.list, config.Environment{Name: name, Paths: []string{glob}})
	return nil
}
