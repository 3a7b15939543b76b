package workflow

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/planner/helmrender"
)

// chartsFromTestdata serves every chart repository from the Gen3 charts
// in testdata.
type chartsFromTestdata struct{}

func (chartsFromTestdata) FetchGit(context.Context, string, string) (fs.FS, string, error) {
	return os.DirFS(filepath.Join("..", "..", "testdata", "gen3-helm")), "testdata", nil
}

// A plain Application of the gen3-gitops shape on the gen3 chart.
const renderedApp = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: gen3-testcommons
  namespace: argocd
spec:
  project: default
  sources:
    - path: helm/gen3
      repoURL: https://github.com/uc-cdis/gen3-helm
      targetRevision: master
      helm:
        releaseName: testcommons
        valueFiles:
          - $values/testcluster/test.example.org/values/values.yaml
    - repoURL: https://github.com/uc-cdis/gen3-gitops.git
      targetRevision: master
      ref: values
  destination:
    server: "https://kubernetes.default.svc"
    namespace: testcommons
`

func addRenderedApp(t *testing.T) func(src *gittest.Repo) {
	return func(src *gittest.Repo) {
		values, err := os.ReadFile(filepath.Join("..", "..", "testdata", "gen3-helm", "values", "diseasedatahub.org.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		src.Write("testcluster/test.example.org/app.yaml", renderedApp)
		src.Write("testcluster/test.example.org/values/values.yaml", string(values))
	}
}

// TestValuesRenderedObjects renders the real gen3 chart before and after
// a tag bump that also sets a key to its chart default: exactly the
// changed Deployment shows, and the key is noted as safe to delete.
func TestValuesRenderedObjects(t *testing.T) {
	const file = "testcluster/test.example.org/values/values.yaml"
	repo, base, head := gitopsChangeFrom(t, addRenderedApp(t), func(src *gittest.Repo) {
		src.Replace(file, "    repository: quay.io/cdis/peregrine\n    tag: '2026.04'", "    repository: quay.io/cdis/peregrine\n    tag: '2026.05'")
		src.Replace(file, "peregrine:\n", "peregrine:\n  replicaCount: 1\n")
	})
	v := &Values{Charts: &helmrender.Renderer{Git: chartsFromTestdata{}, AllowHosts: []string{"github.com"}}}
	out, rep := runValues(t, v, repo, base, head)
	if len(out.Apps) != 1 {
		t.Fatalf("applications %+v", out.Apps)
	}
	a := out.Apps[0]
	if len(a.Errors) > 0 || !a.Rendered {
		t.Fatalf("not rendered: %q", a.Errors)
	}
	var objects []string
	for _, o := range a.Objects {
		objects = append(objects, o.Op+" "+o.Kind+" "+o.Namespace+"/"+o.Name)
	}
	if want := []string{"changed Deployment testcommons/peregrine-deployment"}; !slices.Equal(objects, want) {
		t.Errorf("objects %q, want %q", objects, want)
	}
	if got := a.Defaults[file]; !slices.Contains(got, "peregrine.replicaCount") {
		t.Errorf("keys equal to the chart's defaults %q, want peregrine.replicaCount among them", got)
	}
	md := rep.Comment.Markdown
	for _, want := range []string{"Rendered objects: 1 changed", "+        image: quay.io/cdis/peregrine:2026.05", "equal the chart's defaults"} {
		if !strings.Contains(md, want) {
			t.Errorf("the comment lacks %q:\n%s", want, md)
		}
	}
}

// TestValuesChartHostRefused points an Application's chart at a host not
// on the allow list: it is refused like a policy, and never fetched.
func TestValuesChartHostRefused(t *testing.T) {
	repo, base, head := gitopsChangeFrom(t, nil, func(src *gittest.Repo) {
		addRenderedApp(t)(src)
		src.Replace("testcluster/test.example.org/app.yaml", "https://github.com/uc-cdis/gen3-helm", "https://charts.evil.example/gen3-helm")
	})
	fetches := &countingFetcher{}
	v := &Values{Charts: &helmrender.Renderer{Git: fetches, AllowHosts: []string{"github.com"}}}
	out, rep := runValues(t, v, repo, base, head)
	if fetches.n != 0 {
		t.Errorf("%d fetches from a host not allowed", fetches.n)
	}
	if rep.Statuses[0].State != Failure || !strings.Contains(rep.Comment.Markdown, "charts.evil.example") {
		t.Errorf("status %+v; the comment must name the refused host:\n%s", rep.Statuses[0], rep.Comment.Markdown)
	}
	if p := out.Apps[0].Policy; p == nil || len(p.Results) == 0 || p.Results[0].Set != ChartHostsSet {
		t.Errorf("policy %+v, want a chart_hosts denial", p)
	}
}

type countingFetcher struct{ n int }

func (c *countingFetcher) FetchGit(context.Context, string, string) (fs.FS, string, error) {
	c.n++
	return nil, "", fs.ErrNotExist
}
