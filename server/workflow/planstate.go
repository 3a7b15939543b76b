package workflow

import (
	"cmp"
	"context"
	"fmt"
	"os"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/engine"
	"github.com/csocbot/csocbot/server/credentials"
	"github.com/csocbot/csocbot/store"
)

// lock takes the lock of every unit for the pull request. A unit another
// pull request holds is not planned: it comes back as a unit error that
// names the holder, so its row says why and its dependents are skipped.
func (p *Plan) lock(ctx context.Context, req PlanRequest, units []detect.Unit) ([]detect.Unit, []detect.UnitError, error) {
	if p.Locks == nil || req.Change.PR == 0 {
		return units, nil, nil
	}
	var free []detect.Unit
	var locked []detect.UnitError
	for _, u := range units {
		holder, ok, err := p.Locks.TryLock(ctx, store.Lock{Repo: req.Change.Repo, Unit: u.Path, PR: req.Change.PR, HeadSHA: req.Change.HeadSHA, Holder: req.Actor})
		if err != nil {
			return nil, nil, fmt.Errorf("lock %s: %w", u.Path, err)
		}
		if ok {
			free = append(free, u)
			continue
		}
		prefix := cmp.Or(p.Config.CommandPrefix, config.DefaultCommandPrefix)
		locked = append(locked, detect.UnitError{Path: u.Path, Error: fmt.Sprintf(
			"is locked by pull request #%d (planned at %s by %s): csocbot plans it here once #%d is merged or closed, or someone comments `%s unlock` there",
			holder.PR, short(holder.HeadSHA), holder.Holder, holder.PR, prefix)})
		p.record(ctx, store.AuditEntry{Actor: req.Actor, Action: "lock", Repo: req.Change.Repo, PR: req.Change.PR, HeadSHA: req.Change.HeadSHA, Unit: u.Path,
			Outcome: "refused", Detail: fmt.Sprintf("held by #%d", holder.PR)})
	}
	return free, locked, nil
}

// mint gets each unit's plan-role credentials, one minting per profile.
func (p *Plan) mint(ctx context.Context, req PlanRequest, units []detect.Unit) (map[string]map[string]string, error) {
	if p.Credentials == nil {
		return nil, nil
	}
	envs := map[string]map[string]string{}
	byProfile := map[string]map[string]string{}
	for _, u := range units {
		profile := p.Config.CredentialsOf(req.Change.Repo, u.Path)
		env, ok := byProfile[profile]
		if !ok {
			creds, err := p.Credentials.Mint(ctx, profile, credentials.Request{
				Purpose: credentials.Plan, Repo: req.Change.Repo, PR: req.Change.PR, User: req.Actor, HeadSHA: req.Change.HeadSHA,
			})
			if err != nil {
				return nil, err
			}
			env = environ(creds.Environ())
			byProfile[profile] = env
		}
		envs[u.Path] = env
	}
	return envs, nil
}

// keep seals and saves every plan with changes, with its lock file, so
// that an apply runs exactly what reviewers saw, after a restart or on
// another replica too, and audits each plan.
func (p *Plan) keep(ctx context.Context, req PlanRequest, run *engine.Run) error {
	c := req.Change
	for _, res := range run.Results {
		if res.Status != engine.Planned && res.Status != engine.NoChanges && res.Status != engine.Failed {
			continue
		}
		outcome := "ok"
		if res.Status == engine.Failed {
			outcome = "failed"
		}
		p.record(ctx, store.AuditEntry{Actor: req.Actor, Action: "plan", Repo: c.Repo, PR: c.PR, HeadSHA: c.HeadSHA, Unit: res.Path, PlanSHA256: res.PlanSHA256, Outcome: outcome})
		if res.Status != engine.Planned || p.PlanFiles == nil || p.Sealer == nil || c.PR == 0 {
			continue
		}
		f := store.PlanFile{Repo: c.Repo, PR: c.PR, HeadSHA: c.HeadSHA, BaseSHA: req.BaseSHA, Unit: res.Path, SHA256: res.PlanSHA256}
		plan, err := os.ReadFile(res.PlanFile)
		if err != nil {
			return fmt.Errorf("keep the plan of %s: %w", res.Path, err)
		}
		ad := planFileData(f)
		if f.Plan, err = p.Sealer.SealBytes(plan, ad); err != nil {
			return fmt.Errorf("seal the plan of %s: %w", res.Path, err)
		}
		if res.LockFile != "" {
			lock, err := os.ReadFile(res.LockFile)
			if err != nil {
				return fmt.Errorf("keep the lock file of %s: %w", res.Path, err)
			}
			if f.LockFile, err = p.Sealer.SealBytes(lock, append(ad, "lock"...)); err != nil {
				return fmt.Errorf("seal the lock file of %s: %w", res.Path, err)
			}
		}
		if err := p.PlanFiles.SavePlanFile(ctx, f); err != nil {
			return err
		}
	}
	return nil
}

// record appends to the audit log when there is one; a failure is
// logged, not fatal.
func (p *Plan) record(ctx context.Context, e store.AuditEntry) {
	if p.Audit == nil {
		return
	}
	if _, err := p.Audit.AppendAudit(ctx, e); err != nil {
		p.Logger.Error("could not append to the audit log", "action", e.Action, "unit", e.Unit, "error", err)
	}
}
