package policycheck

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/planner/terragrunt"
	"github.com/csocbot/csocbot/policy"
)

var repo = fstest.MapFS{
	"live/prod/app/terragrunt.hcl": {Data: []byte(`
terraform {
  source = "../../../modules/app"
}
dependency "vpc" {
  config_path = "../vpc"
  mock_outputs = { vpc_id = "vpc-mock" }
}
inputs = {
  name      = "fence"
  replicas  = 3
  ratio     = 0.5
  big       = 12345678901234567890 # Terragrunt hands terraform float64s
  vpc_id    = dependency.vpc.outputs.vpc_id
  tags      = { team = "platform" }
  subnets   = ["a", "b"]
  protected = true
}
`)},
	"live/prod/vpc/terragrunt.hcl": {Data: []byte(`
terraform {
  source = "git::https://github.com/uc-cdis/gen3-terraform.git//tf_files/aws/vpc?ref=v1.2.3"
}
`)},
	"live/prod/plain/terragrunt.hcl": {Data: []byte("inputs = {}\n")},
	"live/prod/plain/main.tf":        {Data: []byte("resource \"terraform_data\" \"own\" {}\n")},
	"modules/app/main.tf": {Data: []byte(`
resource "terraform_data" "seed" {
  provisioner "local-exec" {
    command = "./seed.sh"
  }
}
module "db" {
  source = "../db"
}
`)},
	"modules/db/main.tf": {Data: []byte(`
data "external" "password" {
  program = ["./gen.sh"]
}
resource "aws_db_instance" "this" {
  provider = aws.east
}
`)},
	"terraform/dns/main.tf":    {Data: []byte("resource \"aws_route53_zone\" \"csoc\" {\n  name = \"csoc.example\"\n}\n")},
	"terraform/broken/main.tf": {Data: []byte("resource \"aws_s3_bucket\" {\n")},
}

func evaluate(t *testing.T, unit string) *terragrunt.Config {
	t.Helper()
	ev, err := terragrunt.New(terragrunt.Options{Root: "/repo", FS: repo})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ev.EvaluateUnit(context.Background(), unit)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name       string
		unit       string
		terragrunt bool
		want       string // JSON of the policy.Config
		wantErr    string
	}{
		{
			name: "terragrunt unit with a local module calling a local module", unit: "live/prod/app", terragrunt: true,
			want: `{"source":"../../../modules/app",
				"inputs":{"big":12345678901234567168,"name":"fence","protected":true,"ratio":0.5,"replicas":3,"subnets":["a","b"],"tags":{"team":"platform"},"vpc_id":null},
				"dependencies":[{"name":"vpc","path":"live/prod/vpc"}],
				"resources":[{"address":"terraform_data.seed","type":"terraform_data","name":"seed","provider":"terraform","file":"modules/app/main.tf"},
					{"address":"module.db.aws_db_instance.this","type":"aws_db_instance","name":"this","provider":"aws.east","file":"modules/db/main.tf"}],
				"data_sources":[{"address":"module.db.data.external.password","type":"external","name":"password","provider":"external","file":"modules/db/main.tf"}],
				"provisioners":[{"resource":"terraform_data.seed","type":"local-exec","file":"modules/app/main.tf"}],
				"uses_run_cmd":false,
				"modules":[{"address":"","source":"../../../modules/app","version":"","kind":"local","remote":false,"fetched":true,"package":"","dir":"modules/app"},
					{"address":"module.db","source":"../db","version":"","kind":"local","remote":false,"fetched":true,"package":"","dir":"modules/db"}]}`,
		},
		{
			name: "terragrunt unit with a remote module, not fetched: listed without its code", unit: "live/prod/vpc", terragrunt: true,
			want: `{"source":"git::https://github.com/uc-cdis/gen3-terraform.git//tf_files/aws/vpc?ref=v1.2.3","inputs":{},"dependencies":null,"resources":null,"data_sources":null,"provisioners":null,"uses_run_cmd":false,
				"modules":[{"address":"","source":"git::https://github.com/uc-cdis/gen3-terraform.git//tf_files/aws/vpc?ref=v1.2.3","version":"v1.2.3","kind":"git","remote":true,"fetched":false,"package":"git::https://github.com/uc-cdis/gen3-terraform.git","dir":"tf_files/aws/vpc"}]}`,
		},
		{
			name: "terragrunt unit without a source: its own folder is the module", unit: "live/prod/plain", terragrunt: true,
			want: `{"source":"","inputs":{},"dependencies":null,
				"resources":[{"address":"terraform_data.own","type":"terraform_data","name":"own","provider":"terraform","file":"live/prod/plain/main.tf"}],
				"data_sources":null,"provisioners":null,"uses_run_cmd":false,
				"modules":[{"address":"","source":"","version":"","kind":"local","remote":false,"fetched":true,"package":"","dir":"live/prod/plain"}]}`,
		},
		{
			name: "plain root", unit: "terraform/dns",
			want: `{"source":"terraform/dns","inputs":null,"dependencies":null,
				"resources":[{"address":"aws_route53_zone.csoc","type":"aws_route53_zone","name":"csoc","provider":"aws","file":"terraform/dns/main.tf"}],
				"data_sources":null,"provisioners":null,"uses_run_cmd":false,
				"modules":[{"address":"","source":"","version":"","kind":"local","remote":false,"fetched":true,"package":"","dir":"terraform/dns"}]}`,
		},
		{
			name: "plain root that does not parse", unit: "terraform/broken",
			want: `{"source":"terraform/broken","inputs":null,"dependencies":null,"resources":null,"data_sources":null,"provisioners":null,"uses_run_cmd":false,
				"modules":[{"address":"","source":"","version":"","kind":"local","remote":false,"fetched":true,"package":"","dir":"terraform/broken"}]}`,
			wantErr: "terraform/broken/main.tf:1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg *terragrunt.Config
			if tt.terragrunt {
				cfg = evaluate(t, tt.unit)
			}
			got, err := Config(repo, tt.unit, cfg)
			if tt.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("error %v, want one naming %s", err, tt.wantErr)
			}
			var want policy.Config
			dec := json.NewDecoder(strings.NewReader(tt.want))
			dec.UseNumber()
			if err := dec.Decode(&want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				gotJSON, _ := json.Marshal(got)
				wantJSON, _ := json.Marshal(want)
				t.Errorf("config\n got %s\nwant %s", gotJSON, wantJSON)
			}
		})
	}
}

func TestChangedFiles(t *testing.T) {
	got := ChangedFiles([]gitrepo.Change{
		{Kind: gitrepo.Added, Path: "a"}, {Kind: gitrepo.Modified, Path: "b"},
		{Kind: gitrepo.Deleted, Path: "c"}, {Kind: gitrepo.Renamed, Path: "e", From: "d"},
	})
	want := []policy.ChangedFile{{Path: "a", Status: "added"}, {Path: "b", Status: "modified"}, {Path: "c", Status: "removed"}, {Path: "e", Status: "renamed"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ChangedFiles = %+v", got)
	}
}

func TestConfigAssumedRoles(t *testing.T) {
	files := fstest.MapFS{
		"root.hcl": {Data: []byte(`
iam_role = "arn:aws:iam::123456789012:role/terragrunt"
remote_state {
  backend = "s3"
  config = {
    bucket      = "state"
    key         = "${path_relative_to_include()}/terraform.tfstate"
    assume_role = { role_arn = get_env("STATE_ROLE") }
  }
}
generate "provider" {
  path      = "provider.tf"
  if_exists = "overwrite"
  contents  = <<EOF
provider "aws" {
  assume_role {
    role_arn = "arn:aws:iam::123456789012:role/generated"
  }
}
EOF
}
`)},
		"live/prod/roles/terragrunt.hcl": {Data: []byte(`
include "root" { path = find_in_parent_folders("root.hcl") }
terraform {
  source = "../../../modules/roles"
}
`)},
		"modules/roles/main.tf": {Data: []byte(`variable "role" {}

provider "aws" {
  alias = "data"
  assume_role_with_web_identity {
    role_arn = var.role
  }
}

module "child" {
  source = "../child"
}
`)},
		"modules/child/main.tf": {Data: []byte(`provider "aws" {
  assume_role {
    role_arn = "arn:aws:iam::210987654321:role/child"
  }
}
`)},
	}
	ev, err := terragrunt.New(terragrunt.Options{Root: "/repo", FS: files, UnknownEnv: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ev.EvaluateUnit(context.Background(), "live/prod/roles")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Config(files, "live/prod/roles", cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := []policy.AssumedRole{
		{RoleARN: "arn:aws:iam::123456789012:role/terragrunt", Via: "iam_role", File: "live/prod/roles/terragrunt.hcl"},
		{Unknown: true, Via: "remote_state", File: "live/prod/roles/terragrunt.hcl"},
		{Unknown: true, Via: "assume_role_with_web_identity", Provider: "aws.data", File: "modules/roles/main.tf", Line: 5},
		{RoleARN: "arn:aws:iam::210987654321:role/child", Via: "assume_role", Provider: "aws", Module: "module.child", File: "modules/child/main.tf", Line: 2},
		{RoleARN: "arn:aws:iam::123456789012:role/generated", Via: "assume_role", Provider: "aws", File: "live/prod/roles/provider.tf", Line: 2,
			Origin: policy.Origin{Generated: true}},
	}
	if !reflect.DeepEqual(got.AssumedRoles, want) {
		gotJSON, _ := json.Marshal(got.AssumedRoles)
		wantJSON, _ := json.Marshal(want)
		t.Errorf("assumed roles\n got %s\nwant %s", gotJSON, wantJSON)
	}
}

func TestCredentials(t *testing.T) {
	p := config.CredentialProfile{
		Name: "gen3-prod", Kind: config.CredentialsAssumeRole, ExternalID: "gen3-csoc", Region: "us-east-1",
		PlanRoleARN: "arn:aws:iam::123456789012:role/plan", ApplyRoleARN: "arn:aws:iam::123456789012:role/apply",
		AllowedRoles: []string{"arn:aws:iam::123456789012:role/gen3-*"},
	}
	want := policy.Credentials{
		Profile: "gen3-prod", Kind: "aws_assume_role",
		PlanRoleARN: "arn:aws:iam::123456789012:role/plan", ApplyRoleARN: "arn:aws:iam::123456789012:role/apply",
		AllowedRoles: []string{"arn:aws:iam::123456789012:role/gen3-*"},
	}
	if got := Credentials(p); !reflect.DeepEqual(got, want) {
		t.Errorf("Credentials = %+v, want %+v", got, want)
	}
	if got := Credentials(config.CredentialProfile{}); !reflect.DeepEqual(got, policy.Credentials{}) {
		t.Errorf("Credentials of no profile = %+v, want the zero value", got)
	}
}
