package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/server"
	"github.com/csocbot/csocbot/store"
	"github.com/csocbot/csocbot/store/postgres"
	"github.com/csocbot/csocbot/store/sqlite"
)

// openConfiguredStore opens the store the configuration names, and, for
// a store several replicas share, what tells the server when another
// replica queues a job.
func openConfiguredStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (store.Store, server.JobListener, error) {
	switch cfg.Store.Driver {
	case config.StorePostgres:
		// Each worker may hold a connection while its job's lease is
		// renewed and intake records deliveries: room for all of them.
		conns := int32(2*max(cfg.Workers, 1) + 4)
		st, err := postgres.Open(ctx, cfg.Store.URL.Reveal(), postgres.Options{Logger: log, MaxConns: conns})
		if err != nil {
			return nil, nil, fmt.Errorf("%w; check store.url_file or store.url_env, and that the database accepts csocbot's connections", err)
		}
		return st, st, nil
	default:
		st, err := sqlite.Open(ctx, cfg.Store.Path, sqlite.Options{Logger: log})
		if err != nil {
			return nil, nil, err
		}
		return st, nil, nil
	}
}
