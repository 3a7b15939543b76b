package config

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// GitOps configures how csocbot reads gitops repositories (kind: gitops):
// where charts may come from and how long a render may take.
type GitOps struct {
	// ChartHosts are the hosts charts may be fetched from (git, Helm
	// repositories, OCI registries). A pull request chooses its
	// Applications' repoURLs, so any other host is refused before any
	// request is made.
	ChartHosts []string
	// RenderTimeout bounds one chart render.
	RenderTimeout time.Duration
	// MaxRenderedBytes bounds one render's output.
	MaxRenderedBytes int64
}

// AllowsChartHost reports whether charts may be fetched from host.
func (g GitOps) AllowsChartHost(host string) bool {
	for _, h := range g.ChartHosts {
		if strings.EqualFold(h, host) {
			return true
		}
	}
	return false
}

type rawGitOps struct {
	position
	ChartHosts       list[scalar[string]] `yaml:"chart_hosts"`
	RenderTimeout    scalar[string]       `yaml:"render_timeout"`
	MaxRenderedBytes scalar[int]          `yaml:"max_rendered_mb"`
}

// Renders are bounded so one pull request cannot hold a worker or its
// memory: the real gen3 umbrella chart renders in well under a second to
// about 1 MB.
const (
	defaultRenderTimeout = 60 * time.Second
	defaultRenderedMB    = 64
	maxRenderedMB        = 1024
)

var hostRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$`)

func (v *validator) gitops(r rawGitOps, gh GitHub) GitOps {
	g := GitOps{
		RenderTimeout:    v.duration(r.RenderTimeout, "gitops.render_timeout", defaultRenderTimeout),
		MaxRenderedBytes: int64(v.number(r.MaxRenderedBytes, "gitops.max_rendered_mb", defaultRenderedMB, 1, maxRenderedMB)) << 20,
	}
	for i, h := range r.ChartHosts.Items {
		if !h.ok() {
			continue
		}
		if !hostRE.MatchString(h.Value) {
			v.errs.add(h.Line, fmt.Sprintf("gitops.chart_hosts[%d]", i), "expected a host name like github.com or charts.example.org:8443, without scheme or path; got %q", h.Value)
			continue
		}
		g.ChartHosts = append(g.ChartHosts, strings.ToLower(h.Value))
	}
	if r.ChartHosts.Line == 0 {
		// Gen3 charts live on GitHub; without a list, charts come only
		// from the GitHub csocbot is configured for.
		g.ChartHosts = []string{gh.Host()}
	}
	return g
}
