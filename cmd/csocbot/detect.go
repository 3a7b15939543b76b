package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

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

func runDetect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("detect", "detect --repo DIR --base REV --head REV [--json]", stderr)
	repoDir := fs.String("repo", ".", "the git repository (work tree or bare)")
	base := fs.String("base", "", "the revision the change starts from, e.g. main (required)")
	head := fs.String("head", "", "the revision with the change, e.g. HEAD or a PR's head SHA (required)")
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	noDependents := fs.Bool("no-dependents", false, "do not select units that depend on affected units")
	env := envFlag{}
	fs.Var(env, "env", "NAME=VALUE seen by get_env in Terragrunt files (repeatable); unset variables are unknown")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *base == "" || *head == "" {
		fmt.Fprintln(stderr, "both --base and --head are required")
		fs.Usage()
		return exitError{code: 2}
	}
	root, err := filepath.Abs(*repoDir)
	if err != nil {
		return err
	}
	repo, err := gitrepo.Open(root)
	if err != nil {
		return err
	}
	d := detect.New(repo, detect.Options{Root: root, Env: env, SkipDependents: *noDependents})
	res, err := d.Detect(ctx, *base, *head)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	writeDetectText(stdout, res, *base, *head)
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
