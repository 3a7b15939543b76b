package tfconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hashicorp/hcl/v2"
)

func mapFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, content := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(content)}
	}
	return fsys
}

const mainTF = `variable "region" {}
variable "tags" {
  type = map(string)
}

resource "aws_s3_bucket" "logs" {
  bucket = "logs"
}

resource "aws_instance" "web" {
  provider = aws.west

  provisioner "local-exec" {
    command = "echo hi"
  }
  provisioner "remote-exec" {
    inline = ["uptime"]
  }
  provisioner "file" {
    source      = "a"
    destination = "/tmp/a"
  }
}

resource "terraform_data" "seed" {
  provisioner "local-exec" {
    command = "./seed.sh"
  }
}

data "external" "x" {
  program = ["sh", "-c", "echo {}"]
}

data "aws_ami" "ubuntu" {
  provider = "aws.west" # a deprecated quoted reference
}

ephemeral "random_password" "p" {
  length = 16
}

check "up" {
  data "http" "health" {
    url = "https://example.com"
  }
  assert {
    condition     = true
    error_message = "down"
  }
}

removed {
  from = aws_instance.old
  lifecycle {
    destroy = true
  }
  provisioner "local-exec" {
    when    = destroy
    command = "echo bye"
  }
}

module "vpc" {
  source = "./modules/vpc"
}

module "registry" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.0.0"
}

module "computed" {
  source = "./modules/${var.region}"
}

module "nosource" {}

module "up" {
  source = "../shared"
}

module "escape" {
  source = "../../../outside"
}

provider "aws" {
  region = var.region
}

provider "aws" {
  alias  = "west"
  region = "us-west-2"
}

terraform {
  backend "s3" {}
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

terraform {
  required_providers {
    random = { source = "hashicorp/random" }
  }
}

output "ignored" {
  value = 1
}
`

const mainTFJSON = `{
  "//": "a JSON comment",
  "variable": {
    "region": {},
    "tags": {"type": "map(string)"}
  },
  "resource": {
    "aws_s3_bucket": {
      "logs": {"bucket": "logs"}
    },
    "terraform_data": {
      "seed": {
        "provider": "terraform",
        "provisioner": [
          {"local-exec": {"command": "./seed.sh"}},
          {"file": {"source": "a", "destination": "/tmp/a"}}
        ]
      }
    }
  },
  "data": {
    "external": {"x": {"program": ["true"]}}
  },
  "module": {
    "vpc": {"source": "./modules/vpc"},
    "computed": {"source": "./modules/${var.region}"}
  },
  "provider": {
    "aws": [{"region": "us-east-1"}, {"alias": "west"}]
  },
  "terraform": {
    "required_providers": {"aws": {"source": "hashicorp/aws"}}
  }
}
`

func TestRead(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		dir     string
		want    *Module
		wantErr string // substring; "" for none
	}{
		{
			name:  "native syntax",
			files: map[string]string{"env/prod/main.tf": mainTF, "env/prod/notes.txt": "module", "env/prod/sub/x.tf": `resource "a_b" "c" {}`},
			dir:   "env/prod",
			want: &Module{
				Dir:       "env/prod",
				Variables: []string{"region", "tags"},
				ModuleCalls: []ModuleCall{
					{Name: "vpc", Source: "./modules/vpc", Dir: "env/prod/modules/vpc", File: "env/prod/main.tf", Line: 64},
					{Name: "registry", Source: "terraform-aws-modules/vpc/aws", File: "env/prod/main.tf", Line: 68},
					{Name: "computed", File: "env/prod/main.tf", Line: 73},
					{Name: "nosource", File: "env/prod/main.tf", Line: 77},
					{Name: "up", Source: "../shared", Dir: "env/shared", File: "env/prod/main.tf", Line: 79},
					{Name: "escape", Source: "../../../outside", File: "env/prod/main.tf", Line: 83},
				},
				Resources: []Block{
					{Type: "aws_s3_bucket", Name: "logs", Address: "aws_s3_bucket.logs", Provider: "aws", File: "env/prod/main.tf", Line: 6},
					{Type: "aws_instance", Name: "web", Address: "aws_instance.web", Provider: "aws.west", File: "env/prod/main.tf", Line: 10},
					{Type: "terraform_data", Name: "seed", Address: "terraform_data.seed", Provider: "terraform", File: "env/prod/main.tf", Line: 25},
				},
				DataSources: []Block{
					{Type: "external", Name: "x", Address: "data.external.x", Provider: "external", File: "env/prod/main.tf", Line: 31},
					{Type: "aws_ami", Name: "ubuntu", Address: "data.aws_ami.ubuntu", Provider: "aws.west", File: "env/prod/main.tf", Line: 35},
					{Type: "http", Name: "health", Address: "data.http.health", Provider: "http", File: "env/prod/main.tf", Line: 44},
				},
				Ephemeral: []Block{
					{Type: "random_password", Name: "p", Address: "ephemeral.random_password.p", Provider: "random", File: "env/prod/main.tf", Line: 39},
				},
				Providers:         []string{"aws", "aws.west"},
				RequiredProviders: []string{"aws", "random"},
				Provisioners: []Provisioner{
					{Resource: "aws_instance.web", Type: "local-exec", File: "env/prod/main.tf", Line: 13},
					{Resource: "aws_instance.web", Type: "remote-exec", File: "env/prod/main.tf", Line: 16},
					{Resource: "aws_instance.web", Type: "file", File: "env/prod/main.tf", Line: 19},
					{Resource: "terraform_data.seed", Type: "local-exec", File: "env/prod/main.tf", Line: 26},
					{Resource: "aws_instance.old", Type: "local-exec", File: "env/prod/main.tf", Line: 58},
				},
			},
		},
		{
			name:  "JSON syntax",
			files: map[string]string{"main.tf.json": mainTFJSON},
			dir:   ".",
			want: &Module{
				Dir:       ".",
				Variables: []string{"region", "tags"},
				ModuleCalls: []ModuleCall{
					{Name: "vpc", Source: "./modules/vpc", Dir: "modules/vpc", File: "main.tf.json", Line: 25},
					{Name: "computed", File: "main.tf.json", Line: 26},
				},
				Resources: []Block{
					{Type: "aws_s3_bucket", Name: "logs", Address: "aws_s3_bucket.logs", Provider: "aws", File: "main.tf.json", Line: 9},
					{Type: "terraform_data", Name: "seed", Address: "terraform_data.seed", Provider: "terraform", File: "main.tf.json", Line: 12},
				},
				DataSources: []Block{
					{Type: "external", Name: "x", Address: "data.external.x", Provider: "external", File: "main.tf.json", Line: 22},
				},
				Providers:         []string{"aws", "aws.west"},
				RequiredProviders: []string{"aws"},
				Provisioners: []Provisioner{
					{Resource: "terraform_data.seed", Type: "local-exec", File: "main.tf.json", Line: 15},
					{Resource: "terraform_data.seed", Type: "file", File: "main.tf.json", Line: 16},
				},
			},
		},
		{
			name: "files in lexical order, ignored files skipped",
			files: map[string]string{
				"b.tf":       `variable "b" {}` + "\n" + `resource "null_resource" "b" {}`,
				"a.tf.json":  `{"variable": {"a": {}}, "resource": {"null_resource": {"a": {}}}}`,
				".hidden.tf": `variable "hidden" {}`,
				"backup.tf~": `variable "backup" {}`,
				"#lock.tf#":  `variable "lock" {}`,
				"README.md":  `variable "readme" {}`,
			},
			dir: ".",
			want: &Module{
				Dir:       ".",
				Variables: []string{"a", "b"},
				Resources: []Block{
					{Type: "null_resource", Name: "a", Address: "null_resource.a", Provider: "null", File: "a.tf.json", Line: 1},
					{Type: "null_resource", Name: "b", Address: "null_resource.b", Provider: "null", File: "b.tf", Line: 2},
				},
			},
		},
		{
			name: "override files",
			files: map[string]string{
				"main.tf": "module \"m\" {\n  source = \"./a\"\n}\nmodule \"n\" {\n  source = \"./n\"\n}\n" +
					"resource \"aws_instance\" \"web\" {\n  provisioner \"local-exec\" {\n    command = \"a\"\n  }\n}\n",
				"override.tf": "module \"m\" {\n  source = \"./b\"\n}\nmodule \"n\" {\n  version = \"1\"\n}\n" +
					"resource \"aws_instance\" \"web\" {\n  provider = aws.east\n  provisioner \"remote-exec\" {\n    inline = []\n  }\n}\n",
				"z_override.tf.json": `{"variable": {"v": {}}}`,
			},
			dir: ".",
			want: &Module{
				Dir:       ".",
				Variables: []string{"v"},
				ModuleCalls: []ModuleCall{
					{Name: "m", Source: "./b", Dir: "b", File: "main.tf", Line: 1},
					{Name: "n", Source: "./n", Dir: "n", File: "main.tf", Line: 4},
				},
				Resources: []Block{
					{Type: "aws_instance", Name: "web", Address: "aws_instance.web", Provider: "aws.east", File: "main.tf", Line: 7},
				},
				Provisioners: []Provisioner{
					{Resource: "aws_instance.web", Type: "remote-exec", File: "override.tf", Line: 9},
				},
			},
		},
		{
			name:  "empty directory",
			files: map[string]string{"m/README.md": "nothing"},
			dir:   "m",
			want:  &Module{Dir: "m"},
		},
		{
			name: "syntax error: the file contributes nothing",
			files: map[string]string{
				"ok.tf":  `variable "ok" {}`,
				"bad.tf": "variable \"bad\" {}\n\nresource \"aws_s3_bucket\" {\n",
			},
			dir:     ".",
			want:    &Module{Dir: ".", Variables: []string{"ok"}},
			wantErr: "bad.tf:3: ",
		},
		{
			name:    "missing label",
			files:   map[string]string{"main.tf": "variable \"v\" {}\nresource \"aws_s3_bucket\" {}\n"},
			dir:     ".",
			want:    &Module{Dir: "."},
			wantErr: "main.tf:2: Missing name for resource",
		},
		{
			name:    "invalid provider reference",
			files:   map[string]string{"main.tf": "resource \"aws_s3_bucket\" \"b\" {\n  provider = lookup(var.p)\n}\n"},
			dir:     ".",
			want:    &Module{Dir: "."},
			wantErr: "main.tf:2: Invalid expression",
		},
		{
			name:    "invalid JSON",
			files:   map[string]string{"m/main.tf.json": "{\n  \"variable\": {\"v\": {}},\n  oops\n}"},
			dir:     "m",
			want:    &Module{Dir: "m"},
			wantErr: "m/main.tf.json:3: ",
		},
		{
			name:    "missing directory",
			files:   map[string]string{"main.tf": ""},
			dir:     "nope",
			wantErr: "nope",
		},
		{
			name:    "invalid directory",
			files:   map[string]string{"main.tf": ""},
			dir:     "../x",
			wantErr: "invalid argument",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read(mapFS(tt.files), tt.dir)
			checkErr(t, err, tt.wantErr)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Read =\n%s\nwant\n%s", dump(got), dump(tt.want))
			}
		})
	}
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("unexpected error: %v", err)
	case want != "" && err == nil:
		t.Errorf("no error, want one containing %q", want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Errorf("error %q does not contain %q", err, want)
	}
}

func dump(m *Module) string {
	if m == nil {
		return "<nil>"
	}
	var sb strings.Builder
	add := func(format string, args ...any) {
		sb.WriteString(strings.TrimSpace(strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", " ")))
		sb.WriteByte('\n')
	}
	add("Dir: %q", m.Dir)
	add("Variables: %q", m.Variables)
	for _, c := range m.ModuleCalls {
		add("ModuleCall: %+v", c)
	}
	for _, l := range []struct {
		kind   string
		blocks []Block
	}{{"Resource", m.Resources}, {"Data", m.DataSources}, {"Ephemeral", m.Ephemeral}} {
		for _, b := range l.blocks {
			add("%s: %+v", l.kind, b)
		}
	}
	add("Providers: %q", m.Providers)
	for _, r := range m.AssumedRoles {
		add("AssumedRole: %+v", r)
	}
	add("RequiredProviders: %q", m.RequiredProviders)
	for _, p := range m.Provisioners {
		add("Provisioner: %+v", p)
	}
	return sb.String()
}

func TestReadAssumedRoles(t *testing.T) {
	files := map[string]string{
		"providers.tf": `variable "role" {}
locals { account = "123456789012" }

provider "aws" {
  assume_role {
    role_arn     = "arn:aws:iam::123456789012:role/csocbot-plan"
    session_name = "x"
  }
}

provider "aws" {
  alias = "data"
  assume_role {
    role_arn = var.role
  }
  assume_role {
    role_arn = "arn:aws:iam::${local.account}:role/chained"
  }
}

provider "aws" {
  alias = "web"
  assume_role_with_web_identity {
    role_arn                = "arn:aws:iam::${"210987654321"}:role/web"
    web_identity_token_file = "/token"
  }
}

provider "aws" {
  alias = "dyn"
  dynamic "assume_role" {
    for_each = ["arn:aws:iam::123456789012:role/a"]
    content {
      role_arn = assume_role.value
    }
  }
  dynamic "default_tags" {
    for_each = [1]
    content {}
  }
}

provider "aws" {
  alias = "none"
  assume_role {
    external_id = "only"
  }
  assume_role {
    role_arn = ""
  }
}

provider "google" {
  region = "us-east1"
}
`,
		"z.tf.json": `{"provider": {"aws": {"alias": "json", "assume_role": {"role_arn": "arn:aws:iam::123456789012:role/json"}}}}`,
	}
	m, err := Read(mapFS(files), ".")
	if err != nil {
		t.Fatal(err)
	}
	want := []AssumedRole{
		{Provider: "aws", Block: "assume_role", RoleARN: "arn:aws:iam::123456789012:role/csocbot-plan", File: "providers.tf", Line: 5},
		{Provider: "aws.data", Block: "assume_role", Unknown: true, File: "providers.tf", Line: 13},
		{Provider: "aws.data", Block: "assume_role", Unknown: true, File: "providers.tf", Line: 16},
		{Provider: "aws.web", Block: "assume_role_with_web_identity", RoleARN: "arn:aws:iam::210987654321:role/web", File: "providers.tf", Line: 23},
		{Provider: "aws.dyn", Block: "assume_role", Unknown: true, File: "providers.tf", Line: 31},
		{Provider: "aws.json", Block: "assume_role", RoleARN: "arn:aws:iam::123456789012:role/json", File: "z.tf.json", Line: 1},
	}
	if !reflect.DeepEqual(m.AssumedRoles, want) {
		t.Errorf("AssumedRoles\n got %+v\nwant %+v", m.AssumedRoles, want)
	}
}

func TestFileError(t *testing.T) {
	fsys := mapFS(map[string]string{"a.tf": "resource \"x\" {\n", "b.tf.json": "[1]"})
	m, err := Read(fsys, ".")
	if m == nil || err == nil {
		t.Fatalf("Read = %v, %v; want a module and an error", m, err)
	}
	var fe *FileError
	if !errors.As(err, &fe) || fe.File != "a.tf" || fe.Line != 1 {
		t.Fatalf("error %v: want a *FileError for a.tf:1", err)
	}
	var diags hcl.Diagnostics
	if !errors.As(err, &diags) || !diags.HasErrors() {
		t.Errorf("error %v does not wrap the hcl.Diagnostics", err)
	}
	if !strings.Contains(err.Error(), "b.tf.json:1: ") {
		t.Errorf("error %q does not name b.tf.json", err)
	}

	unreadable := fstest.MapFS{"main.tf": &fstest.MapFile{Mode: fs.ModeSymlink, Data: []byte("missing.tf")}}
	_, err = Read(unreadable, ".")
	if !errors.As(err, &fe) || fe.File != "main.tf" || fe.Line != 0 {
		t.Errorf("error %v: want a *FileError for main.tf", err)
	}
}

func TestReadModuleCalls(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		want    []ModuleCall
		wantErr string
	}{
		{
			name: "literal and non-literal sources",
			files: map[string]string{
				"main.tf":       "module \"a\" {\n  source = \"./a\"\n}\nmodule \"b\" {\n  source = \"${path.module}/b\"\n}\n",
				"calls.tf.json": `{"module": {"c": {"source": "../c"}}}`,
			},
			want: []ModuleCall{
				{Name: "c", Source: "../c", File: "calls.tf.json", Line: 1},
				{Name: "a", Source: "./a", Dir: "a", File: "main.tf", Line: 1},
				{Name: "b", File: "main.tf", Line: 4},
			},
		},
		{
			name: "files without module blocks are not parsed",
			files: map[string]string{
				"main.tf":      `module "a" { source = "./a" }`,
				"variables.tf": `variable "x" {`,
				"broken.tf":    `resource "nomod" {`,
			},
			want: []ModuleCall{{Name: "a", Source: "./a", Dir: "a", File: "main.tf", Line: 1}},
		},
		{
			name:  "an escaped module key in JSON",
			files: map[string]string{"main.tf.json": `{"\u006dodule": {"a": {"source": "./a"}}}`},
			want:  []ModuleCall{{Name: "a", Source: "./a", Dir: "a", File: "main.tf.json", Line: 1}},
		},
		{
			name: "a file that does not parse contributes nothing",
			files: map[string]string{
				"a.tf": `module "a" { source = "./a" }`,
				"b.tf": `module "b" { source = "./b"`,
			},
			want:    []ModuleCall{{Name: "a", Source: "./a", Dir: "a", File: "a.tf", Line: 1}},
			wantErr: "b.tf:1: ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadModuleCalls(mapFS(tt.files), ".")
			checkErr(t, err, tt.wantErr)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ReadModuleCalls =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestReadTree(t *testing.T) {
	type inst struct {
		path string
		dir  string
	}
	tests := []struct {
		name    string
		files   map[string]string
		dir     string
		want    []inst
		wantErr string
	}{
		{
			name: "nested and repeated calls",
			files: map[string]string{
				"live/main.tf":                "module \"vpc\" {\n  source = \"../modules/vpc\"\n}\nmodule \"vpc2\" {\n  source = \"../modules/vpc\"\n}\nmodule \"remote\" {\n  source = \"git::https://example.com/m.git\"\n}\n",
				"modules/vpc/main.tf":         `module "subnets" { source = "./subnets" }`,
				"modules/vpc/subnets/main.tf": `resource "aws_subnet" "a" {}`,
			},
			dir: "live",
			want: []inst{
				{"", "live"},
				{"vpc", "modules/vpc"},
				{"vpc.subnets", "modules/vpc/subnets"},
				{"vpc2", "modules/vpc"},
				{"vpc2.subnets", "modules/vpc/subnets"},
			},
		},
		{
			name: "cycles are not followed",
			files: map[string]string{
				"a/main.tf": `module "b" { source = "../b" }` + "\n" + `module "self" { source = "./" }`,
				"b/main.tf": `module "a" { source = "../a" }`,
			},
			dir:  "a",
			want: []inst{{"", "a"}, {"b", "b"}},
		},
		{
			name: "calls leaving the file system are dropped",
			files: map[string]string{
				"main.tf": `module "out" { source = "../outside" }`,
			},
			dir:  ".",
			want: []inst{{"", "."}},
		},
		{
			name: "missing module and broken files are reported",
			files: map[string]string{
				"main.tf":     "module \"gone\" {\n  source = \"./gone\"\n}\nmodule \"broken\" {\n  source = \"./broken\"\n}\n",
				"broken/a.tf": `resource "aws_subnet" "a" {}`,
				"broken/b.tf": `resource "aws_subnet" {}`,
			},
			dir:     ".",
			want:    []inst{{"", "."}, {"broken", "broken"}},
			wantErr: `main.tf:1: module "gone": open gone`,
		},
		{
			name:    "missing root",
			files:   map[string]string{"main.tf": ""},
			dir:     "nope",
			wantErr: "nope",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadTree(mapFS(tt.files), tt.dir)
			checkErr(t, err, tt.wantErr)
			var insts []inst
			for _, in := range got {
				insts = append(insts, inst{strings.Join(in.Path, "."), in.Module.Dir})
			}
			if !reflect.DeepEqual(insts, tt.want) {
				t.Errorf("ReadTree = %v, want %v", insts, tt.want)
			}
		})
	}
}

func TestReadTreeAddresses(t *testing.T) {
	fsys := mapFS(map[string]string{
		"main.tf":             `module "vpc" { source = "./vpc" }` + "\n" + `resource "terraform_data" "seed" {}`,
		"vpc/main.tf":         `module "subnets" { source = "./subnets" }`,
		"vpc/subnets/main.tf": "resource \"aws_subnet\" \"a\" {\n  provisioner \"local-exec\" {\n    command = \"true\"\n  }\n}\n",
	})
	insts, err := ReadTree(fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	var resources, provisioners []string
	for _, in := range insts {
		for _, r := range in.Module.Resources {
			resources = append(resources, in.Address(r.Address))
		}
		for _, p := range in.Module.Provisioners {
			provisioners = append(provisioners, in.Address(p.Resource)+" "+p.Type+" "+p.File)
		}
	}
	if want := []string{"terraform_data.seed", "module.vpc.module.subnets.aws_subnet.a"}; !reflect.DeepEqual(resources, want) {
		t.Errorf("resources = %q, want %q", resources, want)
	}
	if want := []string{"module.vpc.module.subnets.aws_subnet.a local-exec vpc/subnets/main.tf"}; !reflect.DeepEqual(provisioners, want) {
		t.Errorf("provisioners = %q, want %q", provisioners, want)
	}
}

func TestReadTreeFanOut(t *testing.T) {
	// Every level calls the next one twice: 2^20 instances unless bounded.
	files := map[string]string{}
	for i := range 20 {
		next := "../m" + string(rune('a'+i+1))
		files["m"+string(rune('a'+i))+"/main.tf"] = `module "x" { source = "` + next + `" }` + "\n" + `module "y" { source = "` + next + `" }`
	}
	insts, err := ReadTree(mapFS(files), "ma")
	if err == nil || !strings.Contains(err.Error(), "module instances") {
		t.Errorf("error = %v, want one about too many module instances", err)
	}
	if len(insts) != maxInstances {
		t.Errorf("%d instances, want %d", len(insts), maxInstances)
	}
}

func TestReadOSDirFS(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "m"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(`module "m" { source = "./m" }`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "m", "vars.tf"), []byte(`variable "v" {}`), 0o644); err != nil {
		t.Fatal(err)
	}
	insts, err := ReadTree(os.DirFS(dir), ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(insts) != 2 || !reflect.DeepEqual(insts[1].Module.Variables, []string{"v"}) {
		t.Errorf("ReadTree = %+v", insts)
	}
}
