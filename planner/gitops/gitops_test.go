package gitops

import (
	"reflect"
	"testing"
)

func TestValueFiles(t *testing.T) {
	chart := Source{RepoURL: "https://github.com/uc-cdis/gen3-helm", Path: "helm/gen3", Helm: &Helm{}}
	values := Source{RepoURL: "https://github.com/org/gitops.git", Ref: "values", Self: true}
	other := Source{RepoURL: "https://github.com/org/shared.git", Ref: "shared"}
	tests := []struct {
		name    string
		sources []Source
		files   []string // valueFiles of the first source
		want    []ValueFile
	}{
		{
			name:    "ref to this repository",
			sources: []Source{chart, values},
			files:   []string{"$values/c/h/values/values.yaml", "$values/c/h/values/fence.yaml"},
			want: []ValueFile{
				{Raw: "$values/c/h/values/values.yaml", Repo: SelfRepo, Path: "c/h/values/values.yaml"},
				{Raw: "$values/c/h/values/fence.yaml", Repo: SelfRepo, Path: "c/h/values/fence.yaml"},
			},
		},
		{
			name:    "ref to another repository",
			sources: []Source{chart, values, other},
			files:   []string{"$shared/common.yaml"},
			want:    []ValueFile{{Raw: "$shared/common.yaml", Repo: "https://github.com/org/shared.git", Path: "common.yaml"}},
		},
		{
			name:    "unknown ref",
			sources: []Source{chart, values},
			files:   []string{"$nope/x.yaml"},
			want:    []ValueFile{{Raw: "$nope/x.yaml"}},
		},
		{
			name:    "relative to the source path",
			sources: []Source{chart},
			files:   []string{"values-prod.yaml", "../common.yaml", "/global.yaml", "./a//b.yaml"},
			want: []ValueFile{
				{Raw: "values-prod.yaml", Repo: chart.RepoURL, Path: "helm/gen3/values-prod.yaml"},
				{Raw: "../common.yaml", Repo: chart.RepoURL, Path: "helm/common.yaml"},
				{Raw: "/global.yaml", Repo: chart.RepoURL, Path: "global.yaml"},
				{Raw: "./a//b.yaml", Repo: chart.RepoURL, Path: "helm/gen3/a/b.yaml"},
			},
		},
		{
			name:    "ref path leaving the repository",
			sources: []Source{chart, values},
			files:   []string{"$values/../../etc/passwd"},
			want:    []ValueFile{{Raw: "$values/../../etc/passwd", Repo: SelfRepo, Path: "../../etc/passwd"}},
		},
		{
			name:    "remote URL",
			sources: []Source{chart},
			files:   []string{"https://example.org/values.yaml"},
			want:    []ValueFile{{Raw: "https://example.org/values.yaml", Repo: "https://example.org/values.yaml"}},
		},
		{
			name:    "no helm block",
			sources: []Source{{RepoURL: "https://github.com/org/gitops.git", Path: "manifests"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sources := append([]Source(nil), tt.sources...)
			if sources[0].Helm != nil {
				sources[0].Helm = &Helm{ValueFiles: tt.files}
			}
			got := Application{Sources: sources}.ValueFiles()
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ValueFiles() =\n%#v\nwant\n%#v", got, tt.want)
			}
		})
	}
}
