package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/csocbot/csocbot/internal/gittest"
)

// benchRepo is the sample infra repository grown to 20 units: the staging
// account is copied as gen3-dev and gen3-qa (19 Terragrunt units and the
// csoc-dns root). head changes root.hcl and csoc-dns, so every unit is
// affected; single changes only the csoc vpc, which nothing depends on.
type benchRepo struct {
	repo               *gittest.Repo
	base, head, single string
}

func newBenchRepo(b *testing.B) benchRepo {
	b.Helper()
	r := gittest.New(b, filepath.Join("..", "..", "testdata", "infra"))
	for i, name := range []string{"gen3-dev", "gen3-qa"} {
		dst := filepath.Join(r.Dir, "live", name)
		if err := gittest.CopyDir(dst, filepath.Join(r.Dir, "live", "gen3-staging")); err != nil {
			b.Fatal(err)
		}
		r.Replace("live/"+name+"/account.hcl", `"gen3-staging"`, `"`+name+`"`)
		r.Replace("live/"+name+"/account.hcl", "333333333333", strings.Repeat(string(rune('4'+i)), 12))
	}
	base := r.CommitAll("base")
	r.Git("checkout", "-q", "-b", "all")
	r.Append("root.hcl", "\n# touch\n")
	r.Append("terraform/csoc-dns/main.tf", "\n# touch\n")
	head := r.CommitAll("touch every unit")
	r.Git("checkout", "-q", "main")
	r.Git("checkout", "-q", "-b", "single")
	r.Append("live/csoc/us-east-1/ops/vpc/terragrunt.hcl", "\n# touch\n")
	single := r.CommitAll("touch one unit")
	return benchRepo{repo: r, base: base, head: head, single: single}
}

// BenchmarkPreview compares, in one run, csocbot preview with running
// `terraform init && plan -out && show -json` by hand, one unit after
// another, in the same prepared directories.
func BenchmarkPreview(b *testing.B) {
	cli := filepath.Join(b.TempDir(), "terraformrc")
	if err := os.WriteFile(cli, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	b.Setenv("TF_CLI_CONFIG_FILE", cli)
	tf, err := exec.LookPath("terraform")
	if err != nil {
		b.Skip("needs terraform")
	}
	repo := newBenchRepo(b)
	for _, tc := range []struct {
		name string
		head string
	}{{"units=20", repo.head}, {"units=1", repo.single}} {
		b.Run(tc.name, func(b *testing.B) {
			cache := b.TempDir()
			args := []string{"--repo", repo.repo.Dir, "--base", repo.base, "--head", tc.head, "--cache", cache, "--json"}
			// One preview prepares the working directories the raw runs copy.
			if err := runPreview(context.Background(), args, io.Discard, io.Discard); err != nil {
				b.Fatal(err)
			}
			dirs := preparedDirs(b, cache)
			if want := map[string]int{"units=20": 20, "units=1": 1}[tc.name]; len(dirs) != want {
				b.Fatalf("found %d prepared units, want %d", len(dirs), want)
			}
			var raw, preview time.Duration
			for b.Loop() {
				start := time.Now()
				for _, d := range dirs {
					rawTerraform(b, tf, d)
				}
				raw += time.Since(start)
				start = time.Now()
				if err := runPreview(context.Background(), args, io.Discard, io.Discard); err != nil {
					b.Fatal(err)
				}
				preview += time.Since(start)
			}
			b.ReportMetric(raw.Seconds()/float64(b.N), "raw-s/op")
			b.ReportMetric(preview.Seconds()/float64(b.N), "preview-s/op")
			b.ReportMetric(preview.Seconds()/raw.Seconds(), "preview/raw")
		})
	}
}

// preparedDirs finds the module directories a preview ran terraform in
// (those holding its plan's inputs file or, for a plain root, a .tf file
// next to a .terraform directory).
func preparedDirs(b *testing.B, cache string) []string {
	var dirs []string
	err := filepath.WalkDir(filepath.Join(cache, "work"), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".terraform" && strings.Contains(p, string(filepath.Separator)+"src"+string(filepath.Separator)) {
			dirs = append(dirs, filepath.Dir(p))
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return dirs
}

// rawTerraform runs init, plan and show in a fresh copy of dir's source
// tree, as a person would by hand.
func rawTerraform(b *testing.B, tf, dir string) {
	b.StopTimer()
	src := dir
	for filepath.Base(src) != "src" {
		src = filepath.Dir(src)
	}
	copyRoot := b.TempDir()
	if err := gittest.CopyDir(copyRoot, src); err != nil {
		b.Fatal(err)
	}
	rel, _ := filepath.Rel(src, dir)
	work := filepath.Join(copyRoot, rel)
	os.RemoveAll(filepath.Join(work, ".terraform"))
	b.StartTimer()
	args := [][]string{{"init", "-input=false", "-no-color"}, {"plan", "-input=false", "-no-color", "-out=raw.tfplan"}, {"show", "-json", "raw.tfplan"}}
	for _, a := range args {
		if a[0] == "plan" {
			if _, err := os.Stat(filepath.Join(work, "csocbot.auto.tfvars.json")); err == nil {
				a = append(a, "-var-file=csocbot.auto.tfvars.json")
			}
		}
		cmd := exec.Command(tf, a...)
		cmd.Dir = work
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("terraform %s in %s: %v\n%s", a[0], work, err, out)
		}
	}
}
