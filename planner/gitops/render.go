package gitops

import (
	"context"
	"fmt"
	"github.com/csocbot/csocbot/planner/helmrender"
	"strings"
	"time"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/loader/archive"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
)

// releaseNamespace is the namespace a wrapper chart renders in: Argo CD's
// own, where its Applications live.
const releaseNamespace = "argocd"

type rendered struct {
	out map[string]string
	err error
}

// renderChart renders a chart from its files with its own values, as
// `helm template` would, returning each template's output by its path in
// the chart. Templates cannot be interrupted: on timeout the rendering
// goroutine is left to finish on its own and its result is dropped.
func renderChart(ctx context.Context, files []*archive.BufferedFile, timeout time.Duration) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan rendered, 1)
	go func() { done <- renderNow(ctx, files) }()
	select {
	case r := <-done:
		return r.out, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("rendering took longer than %s (%w); simplify the chart's templates", timeout, ctx.Err())
	}
}

func renderNow(ctx context.Context, files []*archive.BufferedFile) (r rendered) {
	// Helm is third-party code fed with files from a pull request.
	defer func() {
		if v := recover(); v != nil {
			r = rendered{err: fmt.Errorf("helm failed: %v", v)}
		}
	}()
	chrt, err := loader.LoadFiles(files)
	if err != nil {
		return rendered{err: fmt.Errorf("loading the chart: %w", err)}
	}
	if err := chartutil.ProcessDependencies(chrt, common.Values{}); err != nil {
		return rendered{err: fmt.Errorf("processing the chart's dependencies: %w", err)}
	}
	opts := common.ReleaseOptions{Name: chrt.Name(), Namespace: releaseNamespace, IsInstall: true}
	vals, err := util.ToRenderValues(chrt, nil, opts, nil)
	if err != nil {
		return rendered{err: fmt.Errorf("reading the chart's values: %w", err)}
	}
	// The zero Engine has no cluster access: lookup returns nothing and
	// DNS lookups are off.
	out, err := engine.Engine{CustomTemplateFuncs: wrapperFuncs}.RenderWithContext(ctx, chrt, vals)
	if err != nil {
		return rendered{err: err}
	}
	prefix := chrt.Name() + "/"
	byPath := make(map[string]string, len(out))
	for name, content := range out {
		byPath[strings.TrimPrefix(name, prefix)] = content
	}
	return rendered{out: byPath}
}

// wrapperFuncs bound what a wrapper chart's templates, which a pull
// request writes, can build in csocbot's process.
var wrapperFuncs = helmrender.TemplateFuncs()
