package main

import (
	"context"
	"fmt"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/server/credentials"
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
