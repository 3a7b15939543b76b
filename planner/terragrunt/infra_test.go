package terragrunt

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"testing"
)

// infraDir is the sample Gen3-shaped repository the csocbot tests use.
var infraDir = filepath.Join("..", "..", "testdata", "infra")

const prod = "live/gen3-prod/us-east-1/prod/"

// infra returns an evaluator of the sample repository and its units.
func infra(t *testing.T, opts Options) (*Evaluator, []string) {
	t.Helper()
	root := mustAbs(t, infraDir)
	fsys := os.DirFS(root)
	var units []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == ConfigFileName {
			units = append(units, path.Dir(p))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	opts.Root, opts.FS = root, fsys
	ev, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return ev, units
}

func TestInfraUnitsEvaluate(t *testing.T) {
	for _, cmd := range []string{"", "plan"} {
		ev, units := infra(t, Options{Command: cmd})
		if len(units) != 11 {
			t.Errorf("found %d units, want 11: %q", len(units), units)
		}
		for _, unit := range units {
			t.Run(cmd+"/"+unit, func(t *testing.T) {
				cfg, err := ev.EvaluateUnit(context.Background(), unit)
				if err != nil {
					t.Fatal(err)
				}
				if cfg.Reads[0] != (FileRead{Path: unit + "/" + ConfigFileName, Why: "config"}) || cfg.Reads[1] != (FileRead{Path: "root.hcl", Why: "include"}) {
					t.Errorf("Reads = %q, want the unit then root.hcl", readPaths(cfg))
				}
				reads := readPaths(cfg)
				for _, f := range []string{"account.hcl", "region.hcl", "env.hcl"} {
					if !slices.ContainsFunc(reads, func(r string) bool { return path.Base(r) == f+" (read_terragrunt_config)" }) {
						t.Errorf("Reads %q lack %s", reads, f)
					}
				}
				if cfg.RemoteState == nil || cfg.RemoteState.Backend != "local" || len(cfg.Generate) != 1 || cfg.Generate[0].Name != "versions" {
					t.Errorf("root.hcl not merged: RemoteState %+v, Generate %+v", cfg.RemoteState, cfg.Generate)
				}
				wantValue(t, cfg.RemoteState.Config["path"], `"`+mustAbs(t, infraDir)+"/.state/"+unit+`/terraform.tfstate"`)
				if m := cfg.Terraform.Module; m.Kind != LocalSource || !slices.Contains([]string{"vpc", "eks", "rds", "s3-bucket", "irsa-role"}, path.Base(m.Dir)) {
					t.Errorf("Module = %+v", m)
				}
			})
		}
	}
}

func TestInfraProdEKS(t *testing.T) {
	ev, _ := infra(t, Options{Command: "plan"})
	cfg, err := ev.EvaluateUnit(context.Background(), prod+"eks")
	if err != nil {
		t.Fatal(err)
	}
	wantIncludes := []Include{
		{Name: "root", Path: "root.hcl", MergeStrategy: ShallowMerge},
		{Name: "envcommon", Path: "_envcommon/eks.hcl", Expose: true, MergeStrategy: DeepMerge},
	}
	if !slices.Equal(cfg.Includes, wantIncludes) {
		t.Errorf("Includes = %+v, want %+v", cfg.Includes, wantIncludes)
	}
	if want := (ModuleSource{Kind: LocalSource, Dir: "modules/eks", CopyRoot: "."}); cfg.Terraform.Module != want {
		t.Errorf("Module = %+v, want %+v (from _envcommon/eks.hcl)", cfg.Terraform.Module, want)
	}
	wantValue(t, get(t, cfg.Inputs, "node_groups"), `{
    system  = { instance_types = ["m6i.large"], min_size = 1, max_size = 3, desired_size = 2 }
    workers = { instance_types = ["m6i.2xlarge"], min_size = 2, max_size = 10, desired_size = 3 }
  }`)
	for p, want := range map[string]string{
		"cluster_name": `"gen3-prod"`, "cluster_version": `"1.30"`, "vpc_id": `"vpc-00000000"`,
		"aws_region": `"us-east-1"`, "account_id": `"222222222222"`, "tags.account": `"gen3-prod"`,
	} {
		wantValue(t, get(t, cfg.Inputs, p), want)
	}

	staging, err := ev.EvaluateUnit(context.Background(), "live/gen3-staging/us-east-1/staging/eks")
	if err != nil {
		t.Fatal(err)
	}
	if ng := get(t, staging.Inputs, "node_groups"); ng.LengthInt() != 1 || !ng.Type().HasAttribute("system") {
		t.Errorf("staging node_groups = %s, want only system", asJSON(t, ng))
	}
	wantValue(t, get(t, staging.Inputs, "cluster_name"), `"gen3-staging"`)
}

func TestInfraIRSAHatchery(t *testing.T) {
	ev, _ := infra(t, Options{Command: "plan"})
	cfg, err := ev.EvaluateUnit(context.Background(), prod+"irsa-hatchery")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{prod + "s3-data"}; !slices.Equal(cfg.DependencyPaths, want) {
		t.Errorf("DependencyPaths = %q, want %q", cfg.DependencyPaths, want)
	}
	if len(cfg.Dependencies) != 1 || cfg.Dependencies[0].ConfigPath != prod+"eks" {
		t.Errorf("Dependencies = %+v", cfg.Dependencies)
	}
	if r := (FileRead{Path: "policies/hatchery-workspace.json.tftpl", Why: "templatefile"}); !slices.Contains(cfg.Reads, r) {
		t.Errorf("Reads %q lack the policy template", readPaths(cfg))
	}
	var policy struct{ Statement []struct{ Resource []string } }
	if err := json.Unmarshal([]byte(getString(t, cfg.Inputs, "policy_json")), &policy); err != nil {
		t.Fatal(err)
	}
	if got := policy.Statement[0].Resource[0]; got != "arn:aws:s3:::gen3-prod-222222222222-data" {
		t.Errorf("policy bucket = %q", got)
	}
	wantValue(t, get(t, cfg.Inputs, "role_name"), `"gen3-prod-hatchery"`)
}

func TestInfraRDS(t *testing.T) {
	ev, _ := infra(t, Options{Env: map[string]string{"CSOCBOT_STATE_DIR": "/state"}})
	cfg, err := ev.EvaluateUnit(context.Background(), prod+"rds")
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.PreventDestroy {
		t.Error("rds PreventDestroy = false")
	}
	if want := (ModuleSource{Kind: LocalSource, Dir: "modules/rds", CopyRoot: "."}); cfg.Terraform.Module != want {
		t.Errorf("Module = %+v, want %+v", cfg.Terraform.Module, want)
	}
	wantValue(t, cfg.RemoteState.Config["path"], `"/state/`+prod+`rds/terraform.tfstate"`)
	wantValue(t, get(t, cfg.Inputs, "master_password"), `"offline-test-only-not-a-secret"`)
	wantValue(t, get(t, cfg.Inputs, "identifier"), `"gen3-prod-db"`)
	if vpc := get(t, cfg.Inputs, "vpc_id"); vpc.IsKnown() {
		t.Errorf("vpc_id during detection = %s, want unknown", asJSON(t, vpc))
	}
	for _, u := range []string{prod + "vpc", prod + "s3-data", "live/csoc/us-east-1/ops/vpc"} {
		cfg, err := ev.EvaluateUnit(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.PreventDestroy {
			t.Errorf("%s PreventDestroy = true", u)
		}
	}
}
