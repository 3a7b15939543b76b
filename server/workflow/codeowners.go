package workflow

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/notify/vcs/codeowners"
	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/planner/terragrunt"
)

// ownerFacts are what the code owners' part of `approved` is checked
// against: read from the base branch, so that a pull request cannot
// choose its own owners.
type ownerFacts struct {
	// File is where the base branch keeps CODEOWNERS; "" when it has none.
	File string
	// Paths are, by unit, its changed paths that have owners, with them.
	Paths map[string]map[string][]codeowners.Owner
	// Approved are the owners (lower case, without @) who approved the
	// head: the reviewer, or for a team one of its members.
	Approved map[string]bool
}

// codeOwners reads the owners of the changed paths of the units whose
// rule asks for their approval, and which of them approved the head; nil
// when no unit asks.
func (a *Apply) codeOwners(ctx context.Context, req ApplyRequest, found *detect.Result, units []detect.Unit, rules map[string]config.ApplyRule, f applyFacts) (*ownerFacts, error) {
	var asking []detect.Unit
	for _, u := range units {
		if r := rules[u.Path]; r.CodeOwners && r.Requires(config.RequireApproved) {
			asking = append(asking, u)
		}
	}
	if len(asking) == 0 {
		return nil, nil
	}
	snap, err := req.Repo.Snapshot(ctx, req.Base)
	if err != nil {
		return nil, err
	}
	file, err := codeowners.Load(snap)
	if err != nil {
		return nil, fmt.Errorf("read the base branch's CODEOWNERS: %w", err)
	}
	if file == nil {
		return &ownerFacts{}, nil
	}
	if len(file.Errors) > 0 {
		a.Logger.Warn("CODEOWNERS has lines GitHub rejects; they own nothing", "file", file.Path, "errors", fmt.Sprint(file.Errors))
	}
	// The pull request's own changes, as GitHub lists them: from where
	// it left the base branch, not the base's later commits.
	from := req.Base
	if mb, err := req.Repo.MergeBase(req.Base, req.Head); err == nil {
		from = mb
	}
	changes, err := req.Repo.Diff(ctx, from, req.Head)
	if err != nil {
		return nil, err
	}
	o := &ownerFacts{File: file.Path, Paths: map[string]map[string][]codeowners.Owner{}, Approved: map[string]bool{}}
	owners := map[string]codeowners.Owner{}
	for _, u := range asking {
		paths := map[string][]codeowners.Owner{}
		for _, p := range unitChanges(found.Units, u, changes) {
			if who := file.Owners(p); len(who) > 0 {
				paths[p] = who
				for _, w := range who {
					owners[strings.ToLower(string(w))] = w
				}
			}
		}
		o.Paths[u.Path] = paths
	}
	approvers := f.approvers()
	teams := NewTeams(a.PullRequests)
	for key, w := range owners {
		for _, r := range approvers {
			ok := strings.EqualFold(string(w), r)
			if _, _, team := w.Team(); team {
				if ok, err = teams.Member(ctx, string(w), r); err != nil {
					return nil, err
				}
			}
			if ok {
				o.Approved[key] = true
				break
			}
		}
	}
	return o, nil
}

// unitChanges are the changed paths that are the unit's: below its
// directory and no deeper affected unit's, below one of its local
// modules, or read by its Terragrunt configuration.
func unitChanges(units []detect.Unit, u detect.Unit, changes []gitrepo.Change) []string {
	var out []string
	for _, c := range changes {
		for _, p := range c.Paths() {
			mine := owningUnit(units, p) == u.Path ||
				slices.ContainsFunc(u.Modules, func(m string) bool { return within(p, m) })
			if !mine && u.Config != nil {
				mine = slices.ContainsFunc(u.Config.Reads, func(r terragrunt.FileRead) bool { return r.Path == p })
			}
			if mine && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	slices.Sort(out)
	return out
}

// owningUnit is the deepest of units whose directory holds p, "" when
// none does.
func owningUnit(units []detect.Unit, p string) string {
	best := ""
	found := false
	for _, u := range units {
		if within(p, u.Path) && (!found || len(u.Path) > len(best)) {
			best, found = u.Path, true
		}
	}
	return best
}

// within reports whether p is dir or below it.
func within(p, dir string) bool {
	return dir == "." || p == dir || strings.HasPrefix(p, dir+"/")
}

// codeOwnersUnmet says, in approved's words, which of the unit's changed
// paths no owner of has approved the head, grouped by their owners.
func (f applyFacts) codeOwnersUnmet(rule config.ApplyRule, unit string) []string {
	if !rule.CodeOwners {
		return nil
	}
	if f.Owners == nil || f.Owners.File == "" {
		return []string{"`approved`: code owners must approve, but the base branch has no CODEOWNERS file (" + strings.Join(codeowners.Locations, ", ") + ")"}
	}
	paths := f.Owners.Paths[unit]
	var order []string                // owner lists, in the order of their first path
	byOwners := map[string][]string{} // owner list: its paths
	for _, p := range sortedKeys(paths) {
		who := paths[p]
		if slices.ContainsFunc(who, func(w codeowners.Owner) bool { return f.Owners.Approved[strings.ToLower(string(w))] }) {
			continue
		}
		names := make([]string, len(who))
		for i, w := range who {
			names[i] = w.String()
		}
		key := strings.Join(names, " or ")
		if _, ok := byOwners[key]; !ok {
			order = append(order, key)
		}
		byOwners[key] = append(byOwners[key], p)
	}
	var out []string
	for _, key := range order {
		out = append(out, fmt.Sprintf("`approved`: %s must approve this commit, as code owners (%s) of %s", key, f.Owners.File, codeList(byOwners[key])))
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
