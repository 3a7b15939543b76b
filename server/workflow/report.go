package workflow

import (
	"fmt"

	"github.com/csocbot/csocbot/planner/comment"
	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/engine"
)

// markdown is the plan comment of a run: a line saying so when the change
// affects no unit, else the rendered report with the policy results.
func (p *Plan) markdown(c Change, run *engine.Run, found *detect.Result, checks *policyCheck) string {
	if len(run.Results) == 0 && len(found.Deleted) == 0 {
		return fmt.Sprintf("### csocbot plan for `%s`\n\nThis pull request changes no Terragrunt unit or Terraform root (%d changed files).\n", short(c.HeadSHA), len(found.Changes))
	}
	title := fmt.Sprintf("csocbot plan for `%s` (%s %s)", short(c.HeadSHA), run.Binary.Flavor, run.Binary.Version)
	rep := commentReport(run, title, func(unit string) string { return p.Config.EnvironmentOf(c.Repo, unit) })
	rep.Deleted = found.Deleted
	rep.Unconfined = p.Config.Sandbox.Off
	rep.CommandPrefix = p.Config.CommandPrefix
	if checks != nil {
		checks.addToReport(&rep, p.Policies.Sets(), p.Config.CommandPrefix, c.HeadSHA)
	}
	return comment.Render(rep)
}

// commentReport returns what the pull request comment shows of a run.
// title is csocbot's own Markdown; environment names the environment of
// a unit path ("" when none is configured).
func commentReport(run *engine.Run, title string, environment func(unit string) string) comment.Report {
	rep := comment.Report{Title: title}
	for _, res := range run.Results {
		u := comment.UnitReport{
			Path: res.Path, Summary: res.Summary, FailedCommand: res.FailedCommand,
			ErrorTail: res.ErrorTail, SkipReason: res.SkipReason, Reasons: res.Reasons, Warnings: res.Warnings,
		}
		if environment != nil {
			u.Environment = environment(res.Path)
		}
		for _, m := range res.Mocked {
			u.Mocked = append(u.Mocked, comment.MockedOutputs{Dependency: m.ConfigPath, Outputs: m.Outputs})
		}
		switch res.Status {
		case engine.Planned:
			u.Status = comment.Planned
		case engine.NoChanges:
			u.Status = comment.NoChanges
		case engine.Failed:
			u.Status = comment.Failed
		case engine.Skipped:
			u.Status = comment.Skipped
		case engine.Blocked:
			u.Status = comment.Blocked
		}
		rep.Units = append(rep.Units, u)
	}
	return rep
}
