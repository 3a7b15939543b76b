package workflow

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/csocbot/csocbot/planner/comment"
	"github.com/csocbot/csocbot/planner/values"
	"github.com/csocbot/csocbot/policy"
	"github.com/csocbot/csocbot/store"
)

// report is the comment and the csocbot/values status of a check.
func (v *Values) report(c Change, out *ValuesOutcome) Report {
	var sets []policy.Set
	if v.Policies != nil {
		sets = v.Policies.Sets()
	}
	state, desc := out.state(sets)
	md := comment.RenderValues(v.commentReport(c, out, sets))
	return Report{Change: c, Comment: &Comment{Markdown: md, Plan: true},
		Statuses: []Status{{Kind: ValuesStatus, State: state, Description: desc}}, Values: out}
}

func (v *Values) commentReport(c Change, out *ValuesOutcome, sets []policy.Set) comment.ValuesReport {
	r := comment.ValuesReport{
		Title:         fmt.Sprintf("csocbot values for `%s`", short(c.HeadSHA)),
		Unused:        out.Unused,
		CommandPrefix: v.Config.CommandPrefix,
	}
	for _, p := range out.Problems {
		r.Problems = append(r.Problems, p.File+": "+p.Message)
	}
	var all []values.AppChange
	for _, a := range out.Apps {
		for _, ch := range a.Changes {
			all = append(all, values.AppChange{App: a.App.Name, Change: ch})
		}
		ar := comment.AppReport{
			Name: a.App.Name, File: a.App.File, Op: string(a.Op),
			Environment: a.Env.Name, Prod: a.Env.Prod, Cluster: a.Env.Cluster, Account: a.Env.Account,
			Files: a.Files, Changes: len(a.Changes), Rendered: a.Rendered,
			Errors: a.Errors, Notes: a.Notes, Defaults: a.Defaults,
		}
		for _, o := range a.Objects {
			ar.Objects = append(ar.Objects, comment.ObjectReport{Kind: o.Kind, Namespace: o.Namespace, Name: o.Name, Op: o.Op, Diff: o.Diff})
		}
		if a.Policy != nil {
			ar.Policy = []comment.PolicyResult{}
			for _, res := range a.Policy.Results {
				ar.Policy = append(ar.Policy, comment.PolicyResult{Set: res.Set, Rule: res.Rule, Kind: string(res.Kind), Message: res.Message,
					Overridden: res.Blocking() && SetOverridden(sets, res.Set, out.Approvals)})
			}
		}
		r.Apps = append(r.Apps, ar)
	}
	for _, g := range values.GroupChanges(all) {
		vg := comment.ValueGroup{Op: string(g.Op), Before: values.Format(g.Before), After: values.Format(g.After)}
		for _, p := range g.Paths {
			vg.Where = append(vg.Where, p.App+": "+p.Path)
		}
		if g.TypeChanged {
			vg.TypeNote = fmt.Sprintf("%s → %s", g.BeforeType, g.AfterType)
			if g.AfterType == "number" {
				vg.TypeNote += ": YAML reads the unquoted value as a number; quote it"
			}
		}
		r.Groups = append(r.Groups, vg)
	}
	return r
}

// state is the csocbot/values status of the outcome.
func (o *ValuesOutcome) state(sets []policy.Set) (State, string) {
	var failed, errored, denied []string
	objects := 0
	for _, a := range o.Apps {
		objects += len(a.Objects)
		switch {
		case len(a.Errors) > 0:
			errored = append(errored, a.App.Name)
		case len(a.failingSets(sets, o.Approvals)) > 0:
			denied = append(denied, a.App.Name)
		}
	}
	failed = append(errored, denied...)
	switch {
	case len(failed) > 0:
		var parts []string
		if len(errored) > 0 {
			parts = append(parts, fmt.Sprintf("%d %s could not be checked", len(errored), pluralize(len(errored), "application")))
		}
		if len(denied) > 0 {
			parts = append(parts, fmt.Sprintf("policy fails for %s", strings.Join(denied, ", ")))
		}
		return Failure, strings.Join(parts, "; ")
	case len(o.Apps) == 0:
		return Success, "No Argo CD Application changes"
	}
	return Success, fmt.Sprintf("%d %s checked, %d rendered %s change", len(o.Apps), pluralize(len(o.Apps), "application"), objects, pluralize(objects, "object"))
}

// SyncAnnouncement is the note, once a gitops pull request merged, of
// which Argo CD Applications will sync: the ones its last check at that
// head found changing. ok is false when the check recorded none.
func SyncAnnouncement(runs []store.Run, headSHA string) (md string, ok bool) {
	var lines []string
	for _, r := range runs {
		var a AppSummary
		if len(r.Summary) == 0 || json.Unmarshal(r.Summary, &a) != nil || a.Application == "" {
			continue
		}
		if r.State == store.RunNoChanges {
			continue
		}
		line := fmt.Sprintf("- `%s`", a.Application)
		if a.Environment != "" {
			line += fmt.Sprintf(" in `%s`", a.Environment)
			if a.Prod {
				line += " (**prod**)"
			}
		}
		switch {
		case a.Removed:
			line += ": removed from the repository; Argo CD prunes it only if an app-of-apps manages it"
		default:
			line += fmt.Sprintf(": %d %s, %d rendered %s", a.Changes, pluralize(a.Changes, "changed setting"), a.Objects, pluralize(a.Objects, "changed object"))
		}
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		return "", false
	}
	return fmt.Sprintf("Merged at `%s`. Argo CD syncs these applications now (those with automated sync) or at their next manual sync:\n\n%s\n", short(headSHA), strings.Join(lines, "\n")), true
}
