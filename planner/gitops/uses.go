package gitops

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// ClusterValuesFile is where a cluster's facts live, relative to the
// cluster's folder.
const ClusterValuesFile = "cluster-values/cluster-values.yaml"

// Uses maps each application (by Key) to the changed files it uses, in
// path order, and returns the changed files no application uses. An
// application uses its manifest, its value files in this repository, the
// files of its wrapper chart and of a source folder in this repository,
// and its cluster's cluster-values file.
func Uses(apps []Application, changed []string) (map[string][]string, []string) {
	files := make([]string, 0, len(changed))
	for _, f := range changed {
		files = append(files, cleanRel(f))
	}
	slices.Sort(files)
	files = slices.Compact(files)

	used := map[string][]string{}
	var unused []string
	uses := make([]func(string) bool, len(apps))
	for i, a := range apps {
		uses[i] = a.usesFunc()
	}
	for _, f := range files {
		hit := false
		for i, a := range apps {
			if uses[i](f) {
				used[a.Key()] = append(used[a.Key()], f)
				hit = true
			}
		}
		if !hit {
			unused = append(unused, f)
		}
	}
	return used, unused
}

// usesFunc returns whether the application uses a (clean) file.
func (a Application) usesFunc() func(string) bool {
	exact := map[string]bool{a.File: true}
	if a.Cluster != "" {
		exact[path.Join(a.Cluster, ClusterValuesFile)] = true
	}
	for _, vf := range a.ValueFiles() {
		if vf.Repo == SelfRepo {
			exact[vf.Path] = true
		}
	}
	var prefixes []string
	if a.Wrapper != "" {
		prefixes = append(prefixes, a.Wrapper)
	}
	// A source in this repository with a path is a chart (or folder of
	// manifests) whose files shape what the application deploys.
	for _, s := range a.Sources {
		if s.Self && s.Path != "" {
			prefixes = append(prefixes, cleanRel(s.Path))
		}
	}
	return func(f string) bool {
		if exact[f] {
			return true
		}
		for _, p := range prefixes {
			if p == "." || strings.HasPrefix(f, p+"/") {
				return true
			}
		}
		return false
	}
}

// ClusterValues reads the facts of a cluster (accountNumber, cluster,
// project, …) from <cluster>/cluster-values/cluster-values.yaml. A
// missing file is an error wrapping fs.ErrNotExist.
func ClusterValues(fsys fs.FS, cluster string) (map[string]any, error) {
	if cluster == "" || strings.Contains(cluster, "/") || !fs.ValidPath(cluster) {
		return nil, fmt.Errorf("cluster name %q is not a single folder name", cluster)
	}
	name := path.Join(cluster, ClusterValuesFile)
	d := &discovery{fsys: fsys, opts: Options{}.withDefaults()}
	data, err := d.read(name)
	if errors.Is(err, errTooLarge) {
		return nil, fmt.Errorf("%s is larger than %d bytes; it should hold only the cluster's facts", name, d.opts.MaxFileBytes)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the cluster values of %s: %w", cluster, err)
	}
	var v map[string]any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("%s is not a YAML map of values: %w", name, err)
	}
	if v == nil {
		v = map[string]any{}
	}
	return v, nil
}
