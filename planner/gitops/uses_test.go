package gitops

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestUsesCorpus(t *testing.T) {
	apps, _, err := Discover(context.Background(), os.DirFS(corpusDir), Options{})
	if err != nil {
		t.Fatal(err)
	}
	const (
		ema       = "emalinowskiv1/emalinowskiv1.planx-pla.net/templates/app.yaml#gen3-emalinowskiv1"
		midrc     = "midrcprod/data.midrc.org/templates/app.yaml#gen3-midrcprod"
		staging   = "midrcprod/staging.midrc.org/templates/app.yaml#gen3-midrcstaging"
		niaiddata = "unfunded/diseasedatahub.org/templates/app.yaml#gen3-niaiddata"
	)
	tests := []struct {
		name       string
		changed    []string
		want       map[string][]string
		wantUnused []string
	}{
		{
			name:    "split value file",
			changed: []string{"unfunded/diseasedatahub.org/values/fence.yaml"},
			want:    map[string][]string{niaiddata: {"unfunded/diseasedatahub.org/values/fence.yaml"}},
		},
		{
			name:    "cluster values reach every application of the cluster",
			changed: []string{"midrcprod/cluster-values/cluster-values.yaml"},
			want: map[string][]string{
				midrc:   {"midrcprod/cluster-values/cluster-values.yaml"},
				staging: {"midrcprod/cluster-values/cluster-values.yaml"},
			},
		},
		{
			name: "manifest, wrapper chart files and unused files",
			changed: []string{
				"midrcprod/staging.midrc.org/templates/app.yaml",
				"midrcprod/data.midrc.org/Chart.yaml",
				"midrcprod/data.midrc.org/values.yaml",
				"ci/default/values/fence.yaml",
				"README.md",
				"emalinowskiv1/emalinowskiv1.planx-pla.net/values/values.yaml",
				"emalinowskiv1/emalinowskiv1.planx-pla.net/values/values.yaml",
				"midrcprod/staging.midrc.org/values/other.yaml",
			},
			want: map[string][]string{
				midrc:   {"midrcprod/data.midrc.org/Chart.yaml", "midrcprod/data.midrc.org/values.yaml"},
				staging: {"midrcprod/staging.midrc.org/templates/app.yaml"},
				ema:     {"emalinowskiv1/emalinowskiv1.planx-pla.net/values/values.yaml"},
			},
			wantUnused: []string{"README.md", "ci/default/values/fence.yaml", "midrcprod/staging.midrc.org/values/other.yaml"},
		},
		{
			name: "nothing changed",
			want: map[string][]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, unused := Uses(apps, tt.changed)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("used = %v, want %v", got, tt.want)
			}
			if !reflect.DeepEqual(unused, tt.wantUnused) {
				t.Errorf("unused = %v, want %v", unused, tt.wantUnused)
			}
		})
	}
}

func TestUsesSelfSourcePath(t *testing.T) {
	app := Application{
		Name: "web", File: "prod/web/app.yaml", Dir: "prod/web", Cluster: "prod",
		Sources: []Source{{RepoURL: "self", Path: "charts/web/", Self: true, Helm: &Helm{ValueFiles: []string{"values-prod.yaml"}}}},
	}
	got, unused := Uses([]Application{app}, []string{"charts/web/templates/deploy.yaml", "charts/web-other/x.yaml", "./charts/web/values-prod.yaml"})
	want := map[string][]string{"prod/web/app.yaml#web": {"charts/web/templates/deploy.yaml", "charts/web/values-prod.yaml"}}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(unused, []string{"charts/web-other/x.yaml"}) {
		t.Errorf("Uses = %v, %v", got, unused)
	}
}

func TestClusterValues(t *testing.T) {
	fsys := os.DirFS(corpusDir)
	v, err := ClusterValues(fsys, "midrcprod")
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]any{"cluster": "midrcprod", "project": "midrc", "accountNumber": "813684607867"} {
		if v[key] != want {
			t.Errorf("%s = %#v, want %#v", key, v[key], want)
		}
	}
	if _, err := ClusterValues(fsys, "unfunded"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing cluster-values: error %v, want fs.ErrNotExist", err)
	}
	for _, bad := range []string{"", "..", "a/b"} {
		if _, err := ClusterValues(fsys, bad); err == nil {
			t.Errorf("cluster %q: no error", bad)
		}
	}
	broken := tree(t, map[string]string{"c/" + ClusterValuesFile: "- a list\n"})
	if _, err := ClusterValues(broken, "c"); err == nil || !strings.Contains(err.Error(), "not a YAML map") {
		t.Errorf("list cluster-values: error %v", err)
	}
}
