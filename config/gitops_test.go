package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestGitOps(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		hosts      []string
		timeout    time.Duration
	}{
		{"defaults: the configured GitHub only", base, []string{"github.com"}, time.Minute},
		{"hosts lower-cased", base + "gitops:\n  chart_hosts: [GitHub.com, charts.example.org:8443]\n  render_timeout: 20s\n",
			[]string{"github.com", "charts.example.org:8443"}, 20 * time.Second},
		{"empty list allows none", base + "gitops: {chart_hosts: []}\n", nil, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(tc.yaml)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c.GitOps.ChartHosts, tc.hosts) || c.GitOps.RenderTimeout != tc.timeout {
				t.Errorf("gitops %+v, want hosts %q and timeout %s", c.GitOps, tc.hosts, tc.timeout)
			}
			for _, h := range tc.hosts {
				if !c.GitOps.AllowsChartHost(strings.ToUpper(h)) {
					t.Errorf("%s not allowed", h)
				}
			}
			if c.GitOps.AllowsChartHost("evil.example.com") {
				t.Error("a host not on the list is allowed")
			}
		})
	}
}

func TestGitOpsErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"URL instead of host", base + "gitops:\n  chart_hosts: [https://github.com/uc-cdis]\n",
			`config.yaml:7: gitops.chart_hosts[0]: expected a host name like github.com`},
		{"bad timeout", base + "gitops: {render_timeout: soon}\n", `config.yaml:6: gitops.render_timeout: expected a positive duration`},
		{"too much output", base + "gitops: {max_rendered_mb: 5000}\n", `config.yaml:6: gitops.max_rendered_mb: expected a number from 1 to 1024`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(tc.yaml)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestEnvironmentProd(t *testing.T) {
	c, err := parse(base + `environments:
  - {name: prod, paths: ["a/**"]}
  - {name: staging, paths: ["b/**"]}
  - {name: midrc, paths: ["c/**"], prod: true}
  - {name: production, paths: ["d/**"], prod: false}
`)
	if err != nil {
		t.Fatal(err)
	}
	var got []bool
	for _, e := range c.Environments {
		got = append(got, e.Prod)
	}
	if want := []bool{true, false, true, false}; !slices.Equal(got, want) {
		t.Errorf("prod %v, want %v", got, want)
	}
}
