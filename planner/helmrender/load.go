package helmrender

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/loader/archive"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/ignore"
)

// loadSource loads the chart of src with the dependencies the values enable,
// and returns the commit or version loaded.
func (run *Run) loadSource(ctx context.Context, src ChartSource, values map[string]any) (*chart.Chart, string, error) {
	if src.Chart != "" && !strings.Contains(src.RepoURL, "://") {
		// Argo CD writes OCI Helm sources without a scheme.
		src.RepoURL = "oci://" + src.RepoURL
	}
	if err := run.checkHost(src.RepoURL); err != nil {
		return nil, "", err
	}
	l := &chartLoader{run: run, ctx: ctx}
	switch {
	case src.Chart != "" || strings.HasPrefix(src.RepoURL, "oci://"):
		fetch := run.helmChart
		if strings.HasPrefix(src.RepoURL, "oci://") {
			fetch = run.ociChart
		}
		files, version, err := fetch(ctx, src.RepoURL, src.Chart, src.Revision)
		if err != nil {
			return nil, "", err
		}
		c, err := l.archiveChart(files, values)
		if err != nil {
			return nil, "", fmt.Errorf("load chart %s: %w", describe(src), err)
		}
		return c, version, nil
	default:
		dir, err := repoPath(".", src.Path)
		if err != nil {
			return nil, "", fmt.Errorf("chart %s: %w", describe(src), err)
		}
		t, err := run.fetchGit(ctx, src.RepoURL, src.Revision)
		if err != nil {
			return nil, "", err
		}
		c, err := l.dirChart(t, dir, values)
		if err != nil {
			return nil, "", fmt.Errorf("load chart %s: %w", describe(src), err)
		}
		return c, t.commit, nil
	}
}

// chartLoader loads one chart tree for one render. Charts are built afresh
// for every render (Helm's dependency processing changes them) from files
// cached in the Run.
type chartLoader struct {
	run   *Run
	ctx   context.Context
	size  int64 // bytes of chart files loaded so far
	depth int   // of the dependency being loaded
	tags  map[string]any
}

// maxDepth bounds dependency nesting, which also stops dependency cycles.
const maxDepth = 10

// dirChart loads the chart in folder dir of a git tree.
func (l *chartLoader) dirChart(t fetched, dir string, values map[string]any) (*chart.Chart, error) {
	key := "dir\x00" + t.key + "\x00" + dir
	files, err := l.run.files.get(l.ctx, key, func() ([]*archive.BufferedFile, error) {
		return readChartDir(t.fsys, dir, l.run.maxChart())
	})
	if err != nil {
		return nil, err
	}
	c, err := l.fromFiles(key, files)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return c, l.addDeps(c, &t, dir, values)
}

// archiveChart loads a packaged chart; its dependencies must be in charts/
// or in a chart repository.
func (l *chartLoader) archiveChart(files []*archive.BufferedFile, values map[string]any) (*chart.Chart, error) {
	c, err := l.fromFiles("", files)
	if err != nil {
		return nil, err
	}
	return c, l.addDeps(c, nil, "", values)
}

// fromFiles builds a chart from its files. Charts of a git tree (key not
// empty) are parsed once per Run and copied for each render.
func (l *chartLoader) fromFiles(key string, files []*archive.BufferedFile) (*chart.Chart, error) {
	for _, f := range files {
		l.size += int64(len(f.Data))
	}
	if limit := l.run.maxChart(); l.size > limit {
		return nil, fmt.Errorf("the chart and its dependencies are more than %d bytes, the chart size limit", limit)
	}
	if key == "" {
		return loadFiles(files)
	}
	c, err := l.run.charts.get(l.ctx, key, func() (*chart.Chart, error) { return loadFiles(files) })
	if err != nil {
		return nil, err
	}
	return cloneChart(c), nil
}

func loadFiles(files []*archive.BufferedFile) (*chart.Chart, error) {
	// Copy the file records: Helm renames subchart files in place. The
	// contents are shared and never written.
	own := make([]*archive.BufferedFile, len(files))
	for i, f := range files {
		cp := *f
		own[i] = &cp
	}
	return loader.LoadFiles(own)
}

// cloneChart copies what Helm's dependency processing changes in a chart
// (the metadata's dependency list, the subcharts), sharing the files and
// values it only reads.
func cloneChart(c *chart.Chart) *chart.Chart {
	cp := *c
	if c.Metadata != nil {
		md := *c.Metadata
		md.Dependencies = make([]*chart.Dependency, len(c.Metadata.Dependencies))
		for i, d := range c.Metadata.Dependencies {
			if d != nil {
				dc := *d
				md.Dependencies[i] = &dc
			}
		}
		cp.Metadata = &md
	}
	deps := make([]*chart.Chart, len(c.Dependencies()))
	for i, d := range c.Dependencies() {
		deps[i] = cloneChart(d)
	}
	cp.SetDependencies(deps...)
	return &cp
}

// addDeps loads the dependencies of c that are not vendored in its charts/
// folder and not disabled by the values: file:// ones from the same git
// tree (t; nil for a packaged chart), others from their Helm repository.
func (l *chartLoader) addDeps(c *chart.Chart, t *fetched, dir string, values map[string]any) error {
	if len(c.Metadata.Dependencies) == 0 {
		return nil
	}
	// The values a condition sees: the user's over the chart's defaults (and
	// those of vendored subcharts). Defaults of subcharts not loaded yet are
	// unknown, so a condition they would decide counts as enabled here and
	// Helm's own dependency processing decides later.
	cvals, err := chartutil.CoalesceValues(c, values)
	if err != nil {
		return err
	}
	if l.tags == nil {
		l.tags, _ = cvals["tags"].(map[string]any)
	}
	for _, dep := range c.Metadata.Dependencies {
		if dep == nil || vendored(c, dep) || !depEnabled(dep, cvals, l.tags) {
			continue
		}
		name := dep.Name
		if dep.Alias != "" {
			name = dep.Alias
		}
		sub, _ := cvals[name].(map[string]any)
		if l.depth >= maxDepth {
			return fmt.Errorf("dependency %s (%s): dependencies nest more than %d deep; check for a dependency cycle", dep.Name, dep.Repository, maxDepth)
		}
		l.depth++
		d, err := l.dependency(dep, t, dir, sub)
		l.depth--
		if err != nil {
			return fmt.Errorf("dependency %s (%s): %w", dep.Name, dep.Repository, err)
		}
		c.AddDependency(d)
	}
	return nil
}

func (l *chartLoader) dependency(dep *chart.Dependency, t *fetched, dir string, values map[string]any) (*chart.Chart, error) {
	repoURL := strings.TrimSpace(dep.Repository)
	switch {
	case strings.HasPrefix(repoURL, "file://"):
		if t == nil {
			return nil, errors.New("a packaged chart must carry its file:// dependencies in charts/")
		}
		p, err := repoPath(dir, strings.TrimPrefix(repoURL, "file://"))
		if err != nil {
			return nil, err
		}
		return l.dirChart(*t, p, values)
	case strings.HasPrefix(repoURL, "https://"), strings.HasPrefix(repoURL, "http://"), strings.HasPrefix(repoURL, "oci://"):
		fetch := l.run.helmChart
		if strings.HasPrefix(repoURL, "oci://") {
			fetch = l.run.ociChart
		}
		files, _, err := fetch(l.ctx, repoURL, dep.Name, dep.Version)
		if err != nil {
			return nil, err
		}
		return l.archiveChart(files, values)
	case repoURL == "":
		return nil, errors.New("the dependency has no repository and is not in charts/")
	}
	return nil, errors.New("named repositories (@name, alias:) are not supported; use the repository's URL")
}

// vendored reports whether c carries dep in its charts/ folder.
func vendored(c *chart.Chart, dep *chart.Dependency) bool {
	for _, d := range c.Dependencies() {
		if d.Name() == dep.Name {
			return true
		}
	}
	return false
}

// depEnabled follows Helm's rules: tags first (disabled when some tag is
// false and none true), then the first condition path holding a bool.
func depEnabled(dep *chart.Dependency, cvals common.Values, tags map[string]any) bool {
	enabled := true
	if len(dep.Tags) > 0 && tags != nil {
		var hasTrue, hasFalse bool
		for _, tag := range dep.Tags {
			if b, ok := tags[tag].(bool); ok {
				hasTrue = hasTrue || b
				hasFalse = hasFalse || !b
			}
		}
		enabled = hasTrue || !hasFalse
	}
	for cond := range strings.SplitSeq(dep.Condition, ",") {
		cond = strings.TrimSpace(cond)
		if cond == "" {
			continue
		}
		if v, err := cvals.PathValue(cond); err == nil {
			if b, ok := v.(bool); ok {
				return b
			}
		}
	}
	return enabled
}

// repoPath joins rel to dir inside a repository, refusing paths that leave it.
func repoPath(dir, rel string) (string, error) {
	if path.IsAbs(rel) || strings.Contains(rel, "\\") {
		return "", fmt.Errorf("path %q must be relative to the repository", rel)
	}
	p := path.Join(dir, rel)
	if p == ".." || strings.HasPrefix(p, "../") || !fs.ValidPath(p) {
		return "", fmt.Errorf("path %q leaves the repository", rel)
	}
	return p, nil
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// readChartDir reads the files of the chart in dir as Helm's directory
// loader does (.helmignore honoured), within limit bytes. Symbolic links
// are skipped: one could point outside the repository.
func readChartDir(fsys fs.FS, dir string, limit int64) ([]*archive.BufferedFile, error) {
	if _, err := fs.Stat(fsys, path.Join(dir, "Chart.yaml")); err != nil {
		return nil, fmt.Errorf("no chart at %s (Chart.yaml: %w)", dir, err)
	}
	rules := ignore.Empty()
	if data, err := fs.ReadFile(fsys, path.Join(dir, ignore.HelmIgnore)); err == nil {
		if rules, err = ignore.Parse(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("%s/.helmignore: %w", dir, err)
		}
	}
	rules.AddDefaults()
	var (
		files []*archive.BufferedFile
		total int64
	)
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		n := p
		if dir != "." {
			n = strings.TrimPrefix(p, dir+"/")
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			if rules.Ignore(n, fi) {
				return fs.SkipDir
			}
			return nil
		}
		if rules.Ignore(n, fi) || !d.Type().IsRegular() {
			return nil
		}
		if len(files) >= defaultMaxChartFiles {
			return fmt.Errorf("more than %d files in the chart", defaultMaxChartFiles)
		}
		if total += fi.Size(); total > limit {
			return fmt.Errorf("the chart files are more than %d bytes, the chart size limit", limit)
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		files = append(files, &archive.BufferedFile{Name: n, ModTime: fi.ModTime(), Data: bytes.TrimPrefix(data, utf8BOM)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return files, nil
}
