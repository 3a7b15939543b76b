// Package helmrender renders an application's Helm chart in process with the
// Helm SDK (no cluster, no helm binary) so a pull request can show which
// Kubernetes objects a values change touches. Charts come from a git
// repository (through GitFetcher) or a Helm chart repository; every host is
// checked against an allow list before anything is fetched, because a pull
// request controls the chart's address.
package helmrender

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"text/template"
	"time"

	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/loader/archive"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/engine"
)

// ChartSource says where a chart lives. Git sources use Path (the chart's
// folder in the repository); Helm repository sources use Chart, with
// Revision as the version or version range.
type ChartSource struct {
	RepoURL, Path, Chart, Revision string
}

// GitFetcher gives the tree of a git repository at a revision (branch, tag
// or commit) and the commit it resolved to.
type GitFetcher interface {
	FetchGit(ctx context.Context, repoURL, revision string) (fsys fs.FS, commit string, err error)
}

// Release names the Helm release being rendered.
type Release struct {
	Name, Namespace string
}

// Object is one rendered Kubernetes object. YAML is canonical (sorted keys)
// with Secret data/stringData values redacted.
type Object struct {
	Kind, Namespace, Name, APIVersion string
	YAML                              string
}

// Manifests is what a chart rendered: its objects sorted by kind, namespace
// and name, the chart's name and version, and the commit (git) or version
// (Helm repository) rendered.
type Manifests struct {
	Objects []Object
	Chart   string
	Commit  string
}

// ErrHostNotAllowed is returned, before any request, for a chart or
// dependency whose host is not in Renderer.AllowHosts.
var ErrHostNotAllowed = errors.New("chart host not allowed")

// Defaults for the Renderer's zero limits.
const (
	DefaultTimeout        = 30 * time.Second
	DefaultMaxOutputBytes = 32 << 20
	DefaultMaxChartBytes  = 64 << 20
	DefaultMaxIndexBytes  = 64 << 20
	defaultMaxChartFiles  = 20000
	// docCacheBytes bounds the parsed documents a Run keeps: a few renders
	// of a large umbrella chart.
	docCacheBytes = 32 << 20
)

// Renderer renders charts. Its fields are read-only once NewRun is called.
type Renderer struct {
	// Git fetches git chart sources; nil refuses them.
	Git GitFetcher
	// HTTP fetches Helm repositories; nil uses http.DefaultClient.
	HTTP *http.Client
	// AllowHosts lists the hosts charts may come from (config key
	// gitops.chart_hosts): "github.com", or "*.example.com" for subdomains.
	AllowHosts []string
	// Timeout bounds one Render (fetch, load and template); 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxOutputBytes bounds the rendered manifests; 0 means DefaultMaxOutputBytes.
	MaxOutputBytes int64
	// MaxChartBytes bounds the files (or decompressed archive) of one chart
	// with its subcharts; 0 means DefaultMaxChartBytes.
	MaxChartBytes int64
	// MaxIndexBytes bounds a Helm repository's index.yaml; 0 means DefaultMaxIndexBytes.
	MaxIndexBytes int64
	Logger        *slog.Logger
}

// Run renders the charts of one bot run. Charts fetched and read during a
// Run are kept for it, so applications sharing a chart revision fetch and
// read it once. A Run is safe for concurrent use.
type Run struct {
	r       *Renderer
	log     *slog.Logger
	fetches memo[fetched]
	indexes memo[*repoIndex]
	files   memo[[]*archive.BufferedFile]
	charts  memo[*chart.Chart] // parsed, never processed: copy before use
	docs    docCache
	scans   templateScans
	merged  mergeCache
}

// NewRun starts a Run with an empty cache.
func (r *Renderer) NewRun() *Run {
	log := r.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Run{r: r, log: log, docs: docCache{maxBytes: docCacheBytes}}
}

// Render renders the chart of src with values (the merged user values; the
// chart's own defaults are applied here, as Helm does) for release rel.
func (run *Run) Render(ctx context.Context, src ChartSource, values map[string]any, rel Release) (Manifests, error) {
	ctx, cancel := context.WithTimeout(ctx, run.timeout())
	defer cancel()
	p, err := run.prepare(ctx, src, values, rel)
	if err != nil {
		return Manifests{}, err
	}
	return run.execute(ctx, p)
}

// prepared is a chart ready for the template engine: loaded, its
// dependencies processed against the values, and the values to render.
type prepared struct {
	src ChartSource
	rel Release
	c   *chart.Chart
	rev string
	top common.Values
	// depKeys are the names and aliases of the chart's dependencies, enabled
	// or not: the top-level keys of the values that belong to a subchart.
	depKeys map[string]bool
	// imports is whether a dependency of the tree uses import-values, which
	// lets a subchart's values change the parent's.
	imports bool
	scans   *templateScans // the Run's
}

func (run *Run) timeout() time.Duration {
	if run.r.Timeout > 0 {
		return run.r.Timeout
	}
	return DefaultTimeout
}

// prepare loads the chart of src and readies it for the values.
func (run *Run) prepare(ctx context.Context, src ChartSource, values map[string]any, rel Release) (*prepared, error) {
	if rel.Namespace == "" {
		rel.Namespace = "default"
	}
	if values == nil {
		values = map[string]any{}
	}
	c, rev, err := run.loadSource(ctx, src, values)
	if err != nil {
		return nil, err
	}
	p := &prepared{src: src, rel: rel, c: c, rev: rev, depKeys: map[string]bool{}, imports: usesImports(c), scans: &run.scans}
	for _, d := range c.Metadata.Dependencies {
		if d != nil {
			p.depKeys[d.Name] = true
			if d.Alias != "" {
				p.depKeys[d.Alias] = true
			}
		}
	}
	p.top, err = guarded(ctx, func() (common.Values, error) {
		if err := processDependencies(run.log, c, values, &run.merged); err != nil {
			return nil, fmt.Errorf("process dependencies: %w", err)
		}
		opts := common.ReleaseOptions{Name: rel.Name, Namespace: rel.Namespace, Revision: 1, IsInstall: true}
		// Schema validation is skipped: Helm resolves a schema's $ref through
		// http(s) and file URLs, which would reach hosts outside the allow list
		// and files outside the chart.
		return chartutil.ToRenderValuesWithSchemaValidation(c, values, opts, common.DefaultCapabilities, true)
	})
	if err != nil {
		return nil, fmt.Errorf("render chart %s: %w", describe(src), err)
	}
	return p, nil
}

// usesImports reports whether a dependency in c's tree imports values.
func usesImports(c *chart.Chart) bool {
	for _, d := range c.Metadata.Dependencies {
		if d != nil && len(d.ImportValues) > 0 {
			return true
		}
	}
	return slices.ContainsFunc(c.Dependencies(), usesImports)
}

// execute runs the template engine on a prepared chart.
func (run *Run) execute(ctx context.Context, p *prepared) (Manifests, error) {
	docs, err := run.executeDocs(ctx, p)
	if err != nil {
		return Manifests{}, err
	}
	objs, err := objectsOf(docs)
	if err != nil {
		return Manifests{}, fmt.Errorf("render chart %s: %w", describe(p.src), err)
	}
	return Manifests{Objects: objs, Chart: chartName(p.c), Commit: p.rev}, nil
}

// executeDocs is execute with the objects' YAML not written yet.
func (run *Run) executeDocs(ctx context.Context, p *prepared) ([]lazyObject, error) {
	start := time.Now()
	out, err := run.templates(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("render chart %s: %w", describe(p.src), err)
	}
	objs, err := parseDocs(out, p.rel.Namespace, &run.docs)
	if err != nil {
		return nil, fmt.Errorf("render chart %s: %w", describe(p.src), err)
	}
	run.log.DebugContext(ctx, "rendered chart", "chart", describe(p.src), "revision", p.rev, "objects", len(objs), "duration", time.Since(start))
	return objs, nil
}

// templates renders the templates of a prepared chart, by file.
func (run *Run) templates(ctx context.Context, p *prepared) (map[string]string, error) {
	out, err := guarded(ctx, func() (map[string]string, error) {
		return engine.Engine{CustomTemplateFuncs: renderFuncs}.RenderWithContext(ctx, p.c, p.top)
	})
	if err != nil {
		return nil, err
	}
	var n int64
	for _, s := range out {
		n += int64(len(s))
	}
	if limit := run.maxOutput(); n > limit {
		return nil, fmt.Errorf("rendered manifests are %d bytes, more than the limit of %d: the chart or values produce too much output", n, limit)
	}
	return out, nil
}

// guarded runs Helm code on a goroutine so a timeout returns even though Go
// templates cannot be interrupted, and so a panic becomes an error.
func guarded[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		val T
		err error
	}
	done := make(chan result, 1)
	go func() {
		var res result
		defer func() {
			if p := recover(); p != nil {
				res = result{err: fmt.Errorf("helm panicked: %v", p)}
			}
			done <- res
		}()
		res.val, res.err = f()
	}()
	select {
	case res := <-done:
		return res.val, res.err
	case <-ctx.Done():
		var zero T
		return zero, fmt.Errorf("templates did not finish in time (%w); check for loops over large ranges in the chart", ctx.Err())
	}
}

func (run *Run) maxOutput() int64 {
	if run.r.MaxOutputBytes > 0 {
		return run.r.MaxOutputBytes
	}
	return DefaultMaxOutputBytes
}

func (run *Run) maxChart() int64 {
	if run.r.MaxChartBytes > 0 {
		return run.r.MaxChartBytes
	}
	return DefaultMaxChartBytes
}

func describe(src ChartSource) string {
	switch {
	case src.Chart != "":
		return fmt.Sprintf("%s (%s %s)", src.Chart, src.RepoURL, src.Revision)
	case src.Path != "":
		return fmt.Sprintf("%s (%s@%s)", src.Path, src.RepoURL, src.Revision)
	}
	return strings.TrimSpace(src.RepoURL + " " + src.Revision)
}

// renderFuncs are the template functions of every render, with a faster
// toYaml of the same output.
var renderFuncs = func() template.FuncMap {
	f := TemplateFuncs()
	f["toYaml"] = toYAML
	return f
}()

// Defaults returns the chart's default values, each subchart's under its
// name, as Helm coalesces them before the user's values: what a values
// file need not repeat. values decides which subcharts are loaded, as
// for Render.
func (run *Run) Defaults(ctx context.Context, src ChartSource, values map[string]any) (map[string]any, error) {
	if values == nil {
		values = map[string]any{}
	}
	c, _, err := run.loadSource(ctx, src, values)
	if err != nil {
		return nil, err
	}
	defaults, err := chartutil.CoalesceValues(c, map[string]any{})
	if err != nil {
		return nil, fmt.Errorf("chart %s defaults: %w", describe(src), err)
	}
	return defaults, nil
}
