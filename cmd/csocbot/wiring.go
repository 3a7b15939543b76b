package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/notify/slack"
	"github.com/csocbot/csocbot/planner/helmrender"
	"github.com/csocbot/csocbot/server"
	"github.com/csocbot/csocbot/server/credentials"
	"github.com/csocbot/csocbot/server/metrics"
	"github.com/csocbot/csocbot/server/repocache"
	"github.com/csocbot/csocbot/server/workflow"
)

// sealerOf is the plan-file sealer of the configuration, nil without
// plan_encryption.
func sealerOf(cfg *config.Config) workflow.Sealer {
	if cfg.PlanEncryption == nil || cfg.PlanEncryption.Keys == nil {
		return nil
	}
	return cfg.PlanEncryption.Keys
}

// credentialsOf is the runs' credential minter, nil when no profile is
// configured.
func credentialsOf(ctx context.Context, cfg *config.Config) (workflow.Minter, error) {
	if len(cfg.Credentials.Profiles) == 0 {
		return nil, nil
	}
	p, err := credentials.New(ctx, cfg.Credentials, credentials.Options{})
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	return p, nil
}

// chartsOf renders the charts of gitops repositories; nil when no
// repository is one.
func chartsOf(cfg *config.Config, token repocache.TokenFunc, log *slog.Logger) *helmrender.Renderer {
	if !slices.ContainsFunc(cfg.Repositories, func(r config.Repository) bool { return r.Kind == config.KindGitOps }) {
		return nil
	}
	return &helmrender.Renderer{
		Git:            newChartMirrors(filepath.Join(cfg.DataDir, "charts"), cfg.GitHub, token, log),
		AllowHosts:     cfg.GitOps.ChartHosts,
		Timeout:        cfg.GitOps.RenderTimeout,
		MaxOutputBytes: cfg.GitOps.MaxRenderedBytes,
		Logger:         log,
	}
}

// slackOf posts to Slack with the configured bot token, counting its
// calls in mets; nil without a slack section.
func slackOf(cfg *config.Config, log *slog.Logger, mets *metrics.Metrics) server.SlackPoster {
	if cfg.Slack == nil {
		return nil
	}
	return mets.Slack(slack.New(cfg.Slack.Token.Reveal(), slack.Options{APIURL: cfg.Slack.APIURL, Logger: log}))
}
