package gitops

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkDiscover discovers a repository of 50 wrapper charts shaped
// like midrcprod/data.midrc.org (Chart.yaml, templates/app.yaml, an empty
// values.yaml and the corpus's 35 KB values/values.yaml) over 5 clusters.
func BenchmarkDiscover(b *testing.B) {
	read := func(name string) string {
		data, err := os.ReadFile(filepath.Join(corpusDir, "midrcprod", name))
		if err != nil {
			b.Fatal(err)
		}
		return string(data)
	}
	chart, app, values := read("data.midrc.org/Chart.yaml"), read("data.midrc.org/templates/app.yaml"), read("data.midrc.org/values/values.yaml")
	clusterValues := read("cluster-values/cluster-values.yaml")
	files := map[string]string{}
	for i := range 50 {
		cluster := fmt.Sprintf("cluster%d", i%5)
		host := fmt.Sprintf("host%d.example.org", i)
		dir := cluster + "/" + host
		files[dir+"/Chart.yaml"] = strings.Replace(chart, "data.midrc.org", host, 2)
		files[dir+"/templates/app.yaml"] = strings.NewReplacer(
			"gen3-midrcprod", fmt.Sprintf("gen3-%d", i),
			"midrcprod/data.midrc.org", dir,
		).Replace(app)
		files[dir+"/values.yaml"] = ""
		files[dir+"/values/values.yaml"] = values
		files[cluster+"/"+ClusterValuesFile] = clusterValues
	}
	fsys := tree(b, files)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		apps, problems, err := Discover(ctx, fsys, Options{})
		if err != nil || len(problems) != 0 || len(apps) != 50 {
			b.Fatalf("%d applications, problems %v, error %v", len(apps), problems, err)
		}
	}
}
