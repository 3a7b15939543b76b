package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/csocbot/csocbot/planner/comment"
	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/engine"
	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/planner/tfrun"
)

func runPreview(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("preview", "preview --repo DIR --base REV --head REV [--json]", stderr)
	var change changeFlags
	change.register(fs)
	asJSON := fs.Bool("json", false, "print the results as JSON instead of the comment Markdown")
	cacheDir := fs.String("cache", defaultCacheDir(), "working directories, provider plugin cache and module sources")
	binary := fs.String("terraform", "", "terraform or tofu executable (default: terraform, then tofu, on PATH)")
	parallelism := fs.Int("parallelism", 0, "units planned at once (default: number of CPUs)")
	verbose := fs.Bool("v", false, "log each step and terraform command with its duration to stderr")
	engineName := fs.String("engine", "native", "how Terragrunt units run: native (csocbot prepares them) or terragrunt (a terragrunt binary on PATH runs them in the checkout at --repo, which must be at --head)")
	root, err := change.parse(fs, args)
	if err != nil {
		return err
	}
	env := change.env
	logger := slog.New(slog.DiscardHandler)
	if *verbose {
		logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	// Checking the terraform binary runs it once; do that while detecting.
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
	start := time.Now()
	detected, err := detect.New(repo, detect.Options{Root: root, Env: env, SkipDependents: change.noDependents}).Detect(ctx, change.base, change.head)
	if err != nil {
		return err
	}
	logger.Info("detected affected units", "units", len(detected.Units), "duration", time.Since(start))
	bf := <-binCh
	if bf.err != nil {
		return bf.err
	}
	opts := engine.Options{Binary: bf.bin, CacheDir: *cacheDir, Parallelism: *parallelism, Env: env, Logger: logger}
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
	snap, err := repo.Snapshot(ctx, change.head)
	if err != nil {
		return err
	}
	run, err := eng.Plan(ctx, engine.Request{
		Key:   "preview/" + safeKey(root) + "/" + snap.Commit(),
		Files: snap,
		Root:  root,
		Units: detected.Units,
	})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(previewJSON(run, detected)); err != nil {
			return err
		}
	} else {
		parts := comment.Split(previewMarkdown(run, detected, snap.Commit()), comment.MaxCommentLength)
		for i, p := range parts {
			if i > 0 {
				fmt.Fprintln(stdout, "\n---")
			}
			fmt.Fprintln(stdout, p)
		}
	}
	if run.Failed() {
		return exitError{code: 1}
	}
	return nil
}

func defaultCacheDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "csocbot")
	}
	return filepath.Join(os.TempDir(), "csocbot-cache")
}

func safeKey(s string) string { return strings.Trim(strings.ReplaceAll(s, "/", "_"), "_") }

// previewMarkdown renders the pull request comment for a run.
func previewMarkdown(run *engine.Run, found *detect.Result, commit string) string {
	r := run.Report(fmt.Sprintf("csocbot plan for `%s` (%s %s)", commit[:min(7, len(commit))], run.Binary.Flavor, run.Binary.Version), nil)
	r.Deleted = found.Deleted
	return comment.Render(r)
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
	DurationMS    int64    `json:"duration_ms"`
}

func previewJSON(run *engine.Run, found *detect.Result) any {
	units := make([]previewUnit, 0, len(run.Results))
	for _, r := range run.Results {
		u := previewUnit{
			Path: r.Path, Kind: string(r.Kind), Status: string(r.Status), Reasons: r.Reasons,
			PlanFile: r.PlanFile, PlanSHA256: r.PlanSHA256, FailedCommand: r.FailedCommand,
			Error: r.ErrorTail, SkipReason: r.SkipReason, DurationMS: r.Duration.Milliseconds(),
		}
		if s := r.Summary; s != nil {
			u.Create, u.Update, u.Delete, u.Replace = s.Create, s.Update, s.Delete, s.Replace
		}
		units = append(units, u)
	}
	return map[string]any{
		"binary":  map[string]string{"path": run.Binary.Path, "flavor": run.Binary.Flavor.String(), "version": run.Binary.Version.String()},
		"units":   units,
		"deleted": found.Deleted,
	}
}
