package workflow

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/planner/helmrender"
	"github.com/csocbot/csocbot/policy"
)

// gen3Charts serves the gen3-helm copy in testdata as every chart
// repository, at one commit.
type gen3Charts struct{ fsys fs.FS }

func (g gen3Charts) FetchGit(context.Context, string, string) (fs.FS, string, error) {
	return g.fsys, "0123456789abcdef0123456789abcdef01234567", nil
}

const benchApp = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: gen3-%[3]s
  namespace: argocd
spec:
  project: default
  sources:
    - path: helm/gen3
      repoURL: https://github.com/uc-cdis/gen3-helm
      targetRevision: master
      helm:
        releaseName: gen3-%[3]s
        valueFiles:
          - $values/%[1]s/%[2]s/values/values.yaml
    - repoURL: 'https://github.com/uc-cdis/gen3-gitops.git'
      targetRevision: master
      ref: values
  destination:
    server: "https://kubernetes.default.svc"
    namespace: %[3]s
`

// BenchmarkValues50 checks a release pull request over a gitops repository
// of the corpus's shape: 50 wrapper-chart applications in 5 cluster
// folders, each rendering the gen3 umbrella chart with its own values
// file, every image tag bumped in all 50.
func BenchmarkValues50(b *testing.B) {
	values, err := os.ReadFile(filepath.Join("..", "..", "testdata", "gen3-helm", "values", "diseasedatahub.org.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	src := gittest.New(b, "")
	var envs []config.Environment
	var hosts []string
	for c := range 5 {
		cluster := fmt.Sprintf("cluster%d", c)
		src.Write(cluster+"/cluster-values/cluster-values.yaml", fmt.Sprintf("cluster: %s\nproject: gen3\naccountNumber: \"12345678901%d\"\n", cluster, c))
		envs = append(envs, config.Environment{Name: cluster, Prod: c == 0, Paths: []string{cluster + "/**"}})
		for a := range 10 {
			name := fmt.Sprintf("commons%d-%d", c, a)
			host := name + ".example.org"
			dir := cluster + "/" + host
			hosts = append(hosts, dir)
			src.Write(dir+"/Chart.yaml", fmt.Sprintf("apiVersion: v2\nname: %s\ndescription: %s argo application\ntype: application\nversion: 0.1.0\nappVersion: \"1.0\"\n", host, host))
			src.Write(dir+"/values.yaml", "")
			src.Write(dir+"/templates/app.yaml", fmt.Sprintf(benchApp, cluster, host, name))
			src.Write(dir+"/values/values.yaml", strings.ReplaceAll(string(values), "diseasedatahub.org", host))
		}
	}
	base := src.CommitAll("50 commons")
	src.Git("checkout", "-q", "-b", "release")
	for _, dir := range hosts {
		for range 6 {
			src.Replace(dir+"/values/values.yaml", "tag: '2026.04'", "tag: '2026.05'")
		}
	}
	head := src.CommitAll("release 2026.05")
	repo, err := gitrepo.Open(src.Dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { repo.Close() })

	policies, err := policy.Load(b.Context(), []policy.Set{{Name: "library", Dir: filepath.Join("..", "..", "policy", "library")}})
	if err != nil {
		b.Fatal(err)
	}
	v := &Values{
		Config:   &config.Config{CommandPrefix: "csocbot", Environments: envs},
		Policies: policies,
		Charts: &helmrender.Renderer{
			Git:        gen3Charts{fsys: os.DirFS(filepath.Join("..", "..", "testdata", "gen3-helm"))},
			AllowHosts: []string{"github.com"},
		},
	}
	req := ValuesRequest{Change: Change{Repo: "org/gitops", PR: 1, HeadSHA: head}, Repo: repo, Base: base, Head: head}
	b.ReportAllocs()
	for b.Loop() {
		out, err := v.Run(context.Background(), req)
		if err != nil {
			b.Fatal(err)
		}
		if len(out.Apps) != 50 {
			b.Fatalf("%d applications, want 50", len(out.Apps))
		}
		for _, a := range out.Apps {
			// Six Deployments, two CronJobs and a Job use the bumped images.
			if len(a.Errors) > 0 || !a.Rendered || len(a.Objects) != 9 || a.Policy == nil {
				b.Fatalf("%s: errors %q, changed objects %v, policy results %v", a.Key, a.Errors, a.Objects, a.Policy)
			}
		}
	}
}
