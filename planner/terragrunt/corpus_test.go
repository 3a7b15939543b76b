package terragrunt

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/zclconf/go-cty/cty"
)

// corpusDir holds unmodified Terragrunt configuration of public Gen3
// deployments, copied from the shared Gen3 corpus (see its SOURCES.md).
var corpusDir = filepath.Join("..", "..", "testdata", "gen3-terragrunt")

const (
	suCommons  = "Su-informatics-lab/gen3-gitops/terragrunt/commons"
	suJump     = "Su-informatics-lab/gen3-gitops/terragrunt/jump"
	kro        = "indiana-university/gen3-kro"
	kroAccount = kro + "/live/aws/ua-vpit-rt-rds-dev"
)

// syntheticUnit is where the corpus tests put a unit of their own that
// reads a corpus file that is not a unit (root.hcl, account.hcl, …).
const syntheticUnit = "_csocbot_test_unit"

// corpus returns an evaluator of the corpus and the corpus's .hcl files,
// skipping the test when the corpus is absent.
func corpus(t *testing.T, opts Options, extra fstest.MapFS) (*Evaluator, []string) {
	t.Helper()
	root, err := filepath.Abs(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(root); err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	fsys := fs.FS(os.DirFS(root))
	var files []string
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".hcl") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skip("corpus has no .hcl files")
	}
	if extra != nil {
		fsys = overlayFS{base: fsys, extra: extra}
	}
	opts.Root, opts.FS = root, fsys
	ev, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return ev, files
}

// readerUnit is a synthetic unit that reads the corpus file rel.
func readerUnit(rel string) fstest.MapFS {
	return mapFS(map[string]string{
		syntheticUnit + "/" + ConfigFileName: `locals { cfg = read_terragrunt_config("${get_repo_root()}/` + rel + `") }`,
	})
}

// evalCorpusFile evaluates a corpus file: a terragrunt.hcl as its unit,
// any other file through a synthetic unit that reads it.
func evalCorpusFile(t *testing.T, rel string, opts Options) (*Config, cty.Value) {
	t.Helper()
	if path.Base(rel) == ConfigFileName {
		ev, _ := corpus(t, opts, nil)
		cfg, err := ev.EvaluateUnit(context.Background(), path.Dir(rel))
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		return cfg, cty.NilVal
	}
	ev, _ := corpus(t, opts, readerUnit(rel))
	cfg, err := ev.EvaluateUnit(context.Background(), syntheticUnit)
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return cfg, cfg.Locals["cfg"]
}

func TestCorpusEvaluates(t *testing.T) {
	_, files := corpus(t, Options{}, nil)
	for _, rel := range files {
		t.Run(rel, func(t *testing.T) {
			cfg, _ := evalCorpusFile(t, rel, Options{UnknownEnv: true})
			if path.Base(rel) == ConfigFileName && cfg.Reads[0].Path != rel {
				t.Errorf("Reads[0] = %+v, want the unit's own file", cfg.Reads[0])
			}
		})
	}
}

func TestCorpusSuCommons(t *testing.T) {
	unit := suCommons + "/environments/ardac-portal-one/terragrunt.hcl"
	cfg, _ := evalCorpusFile(t, unit, Options{UnknownEnv: true})
	if want := []Include{{Name: "root", Path: suCommons + "/root.hcl", MergeStrategy: ShallowMerge}}; !slices.Equal(cfg.Includes, want) {
		t.Errorf("Includes = %+v, want %+v", cfg.Includes, want)
	}
	want := ModuleSource{Kind: GitSource, URL: "git::https://github.com/alan-walsh/gen3-terraform.git", Subdir: "tf_files/aws/commons", Ref: "develop"}
	if cfg.Terraform.Module != want {
		t.Errorf("Module = %+v, want %+v", cfg.Terraform.Module, want)
	}
	reads := readPaths(cfg)
	for _, f := range []string{"env.hcl", "region.hcl"} {
		if w := path.Dir(unit) + "/" + f + " (read_terragrunt_config)"; !slices.Contains(reads, w) {
			t.Errorf("Reads %q lack %s", reads, w)
		}
	}
	if rs := cfg.RemoteState; rs == nil || rs.Backend != "s3" {
		t.Fatalf("RemoteState = %+v", cfg.RemoteState)
	}
	wantValue(t, cfg.RemoteState.Config["key"], `"commons/environments/ardac-portal-one/terraform.tfstate"`)
	if b := cfg.RemoteState.Config["bucket"]; b.IsKnown() {
		t.Errorf("state bucket from an unset AWS_ACCOUNT_ID is known: %s", asJSON(t, b))
	}
	for p, want := range map[string]string{
		"vpc_name": `"gaipo-portal-one"`, "hostname": `"ipo.sulab.io"`, "aws_region": `"us-east-1"`,
		"eks_version": `"1.31"`, "csoc_account_id": `""`, "deploy_gen3": `false`, "ha-squid_extra_vars": `["squid_image=master"]`,
		"base_rules.1.priority": `1`,
	} {
		wantValue(t, get(t, cfg.Inputs, p), want)
	}
	if !slices.Contains(cfg.Env, EnvLookup{Name: "AWS_ACCOUNT_ID"}) {
		t.Errorf("Env %+v lacks the unset AWS_ACCOUNT_ID", cfg.Env)
	}

	// With the variables set, the bucket names are known.
	env := map[string]string{"AWS_ACCOUNT_ID": "123456789012", "ACM_CERT_ARN": "arn:aws:acm:cert"}
	cfg, _ = evalCorpusFile(t, unit, Options{Env: env})
	sum := sha256.Sum256([]byte("123456789012"))
	hash := hex.EncodeToString(sum[:])[:8]
	wantValue(t, cfg.RemoteState.Config["bucket"], `"gen3-terraform-state-`+hash+`"`)
	wantValue(t, get(t, cfg.Inputs, "useryaml_s3_path"), `"s3://gen3-users-`+hash+`/gaipo-portal-one/user.yaml"`)
	wantValue(t, get(t, cfg.Inputs, "aws_cert_name"), `"arn:aws:acm:cert"`)
}

func TestCorpusSuJump(t *testing.T) {
	cfg, _ := evalCorpusFile(t, suJump+"/environments/ardac-portal/terragrunt.hcl", Options{UnknownEnv: true})
	want := ModuleSource{Kind: LocalSource, Dir: "Su-informatics-lab/gen3-gitops/terraform/jump", CopyRoot: "Su-informatics-lab/gen3-gitops/terraform/jump"}
	if cfg.Terraform.Module != want {
		t.Errorf("Module = %+v, want %+v", cfg.Terraform.Module, want)
	}
	if len(cfg.Generate) != 1 || cfg.Generate[0].Name != "provider" || cfg.Generate[0].Path != "provider.tf" ||
		!strings.Contains(cfg.Generate[0].Contents, `provider "aws"`) {
		t.Errorf("Generate = %+v", cfg.Generate)
	}
	if rs := cfg.RemoteState; rs == nil || rs.Generate == nil || *rs.Generate != (GenerateTarget{Path: "backend.tf", IfExists: "overwrite_terragrunt"}) {
		t.Errorf("RemoteState = %+v", cfg.RemoteState)
	}
	wantValue(t, cfg.RemoteState.Config["key"], `"jump/environments/ardac-portal/terraform.tfstate"`)
	for p, want := range map[string]string{
		"prefix": `"gen3-admin-ardac-portal"`, "profile": `"ardac-portal-tf"`, "region": `"us-east-1"`, "create_vpc": `true`,
	} {
		wantValue(t, get(t, cfg.Inputs, p), want)
	}
}

func TestCorpusGen3KroUnits(t *testing.T) {
	for _, cmd := range []string{"", "plan"} {
		t.Run("command "+cmd, func(t *testing.T) {
			cfg, _ := evalCorpusFile(t, kro+"/units/eks-cluster/terragrunt.hcl", Options{UnknownEnv: true, Command: cmd})
			if len(cfg.Dependencies) != 1 {
				t.Fatalf("Dependencies = %+v", cfg.Dependencies)
			}
			d := cfg.Dependencies[0]
			if d.Name != "vpc" || d.ConfigPath != kro+"/units/vpc" || !d.Enabled ||
				!slices.Equal(d.MockOutputsAllowedTerraformCommands, []string{"validate", "plan"}) {
				t.Errorf("dependency = %+v", d)
			}
			wantValue(t, d.MockOutputs, `{vpc_id = "vpc-mock-12345", private_subnets = ["subnet-mock-1", "subnet-mock-2", "subnet-mock-3"]}`)
			want := ModuleSource{Kind: GitSource, URL: "git::git@github.com:indiana-university/gen3-kro.git", Subdir: "modules/eks-cluster", Ref: "main"}
			if cfg.Terraform.Module != want {
				t.Errorf("Module = %+v, want %+v", cfg.Terraform.Module, want)
			}
			// common.hcl is in no parent: the fallback empty.hcl does not
			// exist either, so the default {inputs = {}} is merged in.
			for _, p := range []string{kro + "/units/common.hcl", kro + "/common.hcl", "common.hcl", kro + "/units/eks-cluster/empty.hcl"} {
				if !slices.Contains(cfg.Probes, p) {
					t.Errorf("Probes %q lack %s", cfg.Probes, p)
				}
			}
			wantValue(t, get(t, cfg.Inputs, "cluster_name"), `"hub-cluster"`)
			wantValue(t, get(t, cfg.Inputs, "cluster_compute_config.node_pools"), `["general-purpose", "system"]`)
			if vpc := get(t, cfg.Inputs, "vpc_id"); cmd == "" && vpc.IsKnown() {
				t.Errorf("vpc_id during detection = %s, want unknown", asJSON(t, vpc))
			} else if cmd == "plan" {
				wantValue(t, vpc, `"vpc-mock-12345"`)
				wantValue(t, get(t, cfg.Inputs, "subnet_ids"), `["subnet-mock-1", "subnet-mock-2", "subnet-mock-3"]`)
			}
			if len(cfg.Terraform.ExtraArguments) != 1 || cfg.Terraform.ExtraArguments[0].Name != "common_vars" ||
				!slices.Equal(cfg.Terraform.ExtraArguments[0].Commands, commandsThatNeedVars) {
				t.Errorf("ExtraArguments = %+v", cfg.Terraform.ExtraArguments)
			}
			wantValue(t, cfg.RemoteState.Config["key"], `"units/eks-cluster/terraform.tfstate"`)
		})
	}

	cfg, _ := evalCorpusFile(t, kro+"/units/vpc/terragrunt.hcl", Options{UnknownEnv: true, Env: map[string]string{"GEN3_KRO_VERSION": "v1.2.0"}})
	if m := cfg.Terraform.Module; m.Ref != "v1.2.0" || m.Subdir != "modules/vpc" {
		t.Errorf("Module = %+v, want ref v1.2.0 from GEN3_KRO_VERSION", m)
	}
	wantValue(t, cfg.Inputs, `{vpc_name = "gen3-vpc", vpc_cidr = "10.0.0.0/16", cluster_name = "hub-cluster", enable_nat_gateway = true, single_nat_gateway = true}`)
}

func TestCorpusGen3KroYAMLConfig(t *testing.T) {
	cfg, account := evalCorpusFile(t, kroAccount+"/account.hcl", Options{})
	wantValue(t, get(t, account, "locals.account_name"), `"ua-vpit-rt-rds-dev"`)
	wantValue(t, get(t, account, "locals.profile"), `"boadeyem"`)
	if r := (FileRead{Path: kroAccount + "/account.yaml", Why: "file"}); !slices.Contains(cfg.Reads, r) {
		t.Errorf("Reads %q lack account.yaml", readPaths(cfg))
	}

	_, region := evalCorpusFile(t, kroAccount+"/us-east-1/region.hcl", Options{})
	wantValue(t, get(t, region, "locals.region_config"), `{aws_region = "us-east-1"}`)
	// region.yaml has aws_region, and region.hcl looks up "region" with a
	// default of "": the real configuration evaluates to "".
	wantValue(t, get(t, region, "locals.region"), `""`)
}

func TestCorpusRootFiles(t *testing.T) {
	_, root := evalCorpusFile(t, suCommons+"/root.hcl", Options{UnknownEnv: true})
	wantValue(t, get(t, root, "terraform.source"), `"git::https://github.com/alan-walsh/gen3-terraform.git//tf_files/aws/commons?ref=develop"`)
	wantValue(t, get(t, root, "remote_state.backend"), `"s3"`)
	wantValue(t, get(t, root, "locals.root_dir"), `"`+mustAbs(t, corpusDir)+"/"+suCommons+`"`)

	_, kroRoot := evalCorpusFile(t, kro+"/root.hcl", Options{})
	wantValue(t, get(t, kroRoot, "locals.repo_root"), `"`+mustAbs(t, corpusDir)+`"`)
	wantValue(t, get(t, kroRoot, "locals.common_tags"), `{Project = "gen3-kro", ManagedBy = "Terragrunt"}`)
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.ToSlash(abs)
}
