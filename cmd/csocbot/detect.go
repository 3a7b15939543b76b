package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/hashicorp/go-version"

	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/gitrepo"
)

// envFlag collects repeated --env NAME=VALUE flags.
type envFlag map[string]string

func (e envFlag) String() string { return "" }

func (e envFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want NAME=VALUE, got %q", s)
	}
	e[k] = v
	return nil
}

// changeFlags are the flags of the commands that look at a change between
// two revisions of a repository.
type changeFlags struct {
	repo, base, head string
	noDependents     bool
	env              envFlag
	// terragrunt is --terragrunt-version (terragruntFlag), checked by parse.
	terragruntFlag string
	terragrunt     *version.Version
}

func (c *changeFlags) register(fs *flagSet) {
	fs.StringVar(&c.repo, "repo", ".", "the git repository (work tree or bare)")
	fs.StringVar(&c.base, "base", "", "the revision the change starts from, e.g. main (required)")
	fs.StringVar(&c.head, "head", "", "the revision with the change, e.g. HEAD or a PR's head SHA (required)")
	fs.BoolVar(&c.noDependents, "no-dependents", false, "do not select units that depend on affected units")
	c.env = envFlag{}
	fs.Var(c.env, "env", "NAME=VALUE seen by get_env in Terragrunt files (repeatable); unset variables are unknown during detection")
	fs.StringVar(&c.terragruntFlag, "terragrunt-version", "", "the Terragrunt release your operators run, e.g. 0.63.6: warn about units using syntax it rejects")
}

// parse parses args and checks the revisions are given and --repo is a
// repository; it returns the repository's absolute path.
func (c *changeFlags) parse(fs *flagSet, args []string) (string, error) {
	if err := fs.parse(args, 0); err != nil {
		return "", err
	}
	if c.base == "" || c.head == "" {
		fmt.Fprintln(fs.Output(), "both --base and --head are required")
		fs.Usage()
		return "", exitError{code: 2}
	}
	if c.terragruntFlag != "" {
		v, err := version.NewVersion(c.terragruntFlag)
		if err != nil {
			fmt.Fprintf(fs.Output(), "--terragrunt-version: want a release like 0.63.6, got %q\n", c.terragruntFlag)
			return "", exitError{code: 2}
		}
		c.terragrunt = v
	}
	root, err := filepath.Abs(c.repo)
	if err != nil {
		return "", err
	}
	return root, checkRepo(c.repo, root)
}

// checkRepo says what to do when root, given as --repo dir, is not a git
// repository.
func checkRepo(dir, root string) error {
	const hint = "give the folder of a git repository (a work tree or a bare repository) with --repo"
	info, err := os.Stat(root)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("--repo %s: no such folder; %s", dir, hint)
	case err != nil:
		return fmt.Errorf("--repo %s: %w; %s", dir, err, hint)
	case !info.IsDir():
		return fmt.Errorf("--repo %s is a file, not a git repository; %s", dir, hint)
	}
	repo, err := gitrepo.Open(root)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return fmt.Errorf("--repo %s is not a git repository, nor inside one; %s, or run `git init` and commit there first", dir, hint)
	}
	if err != nil {
		return err
	}
	return repo.Close()
}

func runDetect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("detect", "detect --repo DIR --base REV --head REV [--json]", stdout, stderr)
	var change changeFlags
	change.register(fs)
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	root, err := change.parse(fs, args)
	if err != nil {
		return err
	}
	repo, err := gitrepo.Open(root)
	if err != nil {
		return err
	}
	defer repo.Close()
	d := detect.New(repo, detect.Options{Root: root, Env: change.env, SkipDependents: change.noDependents, TerragruntVersion: change.terragrunt})
	res, err := d.Detect(ctx, change.base, change.head)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		writeDetectText(stdout, res, change.base, change.head)
	}
	// The result stands for every other unit; the exit status says that
	// some could not be handled.
	if len(res.Errors) > 0 {
		return exitError{code: 1}
	}
	return nil
}

func writeDetectText(w io.Writer, res *detect.Result, base, head string) {
	fmt.Fprintf(w, "%s between %s and %s (%s).\n", plural(len(res.Units), "unit", "units")+" affected", base, head,
		plural(len(res.Changes), "changed file", "changed files"))
	if len(res.Units) > 0 {
		fmt.Fprintln(w, "\nIn apply order:")
	}
	for i, u := range res.Units {
		after := ""
		if len(u.Dependencies) > 0 {
			after = ", after " + strings.Join(u.Dependencies, ", ")
		}
		fmt.Fprintf(w, "%3d. %s (%s%s)\n", i+1, u.Path, u.Kind, after)
		for _, r := range u.Reasons {
			fmt.Fprintf(w, "       %s\n", r)
		}
		if u.Skipped != "" {
			fmt.Fprintf(w, "       skipped: %s\n", u.Skipped)
		}
		for _, warn := range u.Warnings {
			fmt.Fprintf(w, "       warning: %s\n", warn)
		}
	}
	if len(res.Errors) > 0 {
		fmt.Fprintln(w, "\nCould not be evaluated (not planned):")
		for _, e := range res.Errors {
			fmt.Fprintf(w, "  - %s\n      %s\n", e.Path, strings.ReplaceAll(e.Error, "\n", "\n      "))
		}
	}
	if len(res.Deleted) > 0 {
		fmt.Fprintln(w, "\nDeleted:")
		for _, d := range res.Deleted {
			fmt.Fprintf(w, "  - %s\n", d)
		}
	}
	if len(res.Unmatched) > 0 {
		fmt.Fprintln(w, "\nChanged files that affect no unit:")
		for _, p := range res.Unmatched {
			fmt.Fprintf(w, "  - %s\n", p)
		}
	}
	for _, warn := range res.Warnings {
		fmt.Fprintf(w, "\nwarning: %s\n", warn)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
