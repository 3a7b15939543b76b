package comment

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/planner/plansummary"
	tfjson "github.com/hashicorp/terraform-json"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run go test -update to accept):\ngot:\n%s", path, got)
	}
}

// summarize reads one of the real terraform plans kept as fixtures by
// package plansummary.
func summarize(t *testing.T, file string) *plansummary.Summary {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "plansummary", "testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var p tfjson.Plan
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	s, err := plansummary.Summarize(&p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRender(t *testing.T) {
	r := Report{
		Title: "csocbot plan for `abc1234`",
		Units: []UnitReport{{
			Path:        "live/prod/app",
			Environment: "prod",
			Status:      Planned,
			Summary:     summarize(t, "mixed.json"),
			Reasons:     []string{"live/prod/app/terragrunt.hcl changed", "modules/app/main.tf changed"},
		}, {
			Path:        "live/dev/app",
			Environment: "dev",
			Status:      Planned,
			Summary:     summarize(t, "no_changes.json"),
			Mocked:      []MockedOutputs{{Dependency: "live/dev/vpc", Outputs: []string{"subnet_ids", "vpc_id"}}},
		}, {
			Path:          "live/prod/vpc",
			Environment:   "prod",
			Status:        Failed,
			FailedCommand: "terragrunt plan -out=tfplan -input=false",
			ErrorTail:     "\x1b[31m╷\x1b[0m\n│ Error: Unsupported argument\n│\n│   on main.tf line 3:\n│    3:   cidr = \"10.0.0.0/16\"\n╵\n",
			Reasons:       []string{"live/prod/vpc/terragrunt.hcl changed"},
		}, {
			Path:        "live/prod/eks",
			Environment: "prod",
			Status:      Skipped,
			SkipReason:  "dependency live/prod/vpc failed",
		}, {
			Path:   "live/staging/dns",
			Status: NoChanges,
		}},
	}
	golden(t, "report.golden.md", Render(r))
}

// Units without a plan to show take one line after the table.
func TestRenderOneLineUnits(t *testing.T) {
	tests := []struct {
		name string
		unit UnitReport
		want string
	}{
		{"no changes", UnitReport{Path: "a", Status: NoChanges}, "✅ `a`: no changes."},
		{"planned without changes", UnitReport{Path: "a", Status: Planned, Summary: &plansummary.Summary{Read: 1}}, "✅ `a`: no changes."},
		{"skipped", UnitReport{Path: "a", Environment: "prod", Status: Skipped, SkipReason: "dependency b failed"}, "⏭️ `a` (prod) skipped: dependency b failed."},
		{"planned without summary", UnitReport{Path: "a", Status: Planned}, "📝 `a`: changes, but no plan summary is available."},
		{"unknown status", UnitReport{Path: "a", Status: Status(42)}, "❔ `a`: unknown, but no plan summary is available."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := unitSections(t, Render(Report{Title: "t", Units: []UnitReport{tt.unit}}))
			if last := got[strings.LastIndex(got[:len(got)-1], "\n")+1:]; last != tt.want+"\n" {
				t.Errorf("got %q, want %q", last, tt.want)
			}
		})
	}
}

// unitSections returns what a comment says of its units one by one: what
// follows the summary table and its legend, up to the footer.
func unitSections(t *testing.T, md string) string {
	t.Helper()
	_, rest, ok := strings.Cut(md, "</sub>\n\n")
	sections, _, ok2 := strings.Cut(rest, "\n---\n")
	if !ok || !ok2 {
		t.Fatalf("no legend or no footer in:\n%s", md)
	}
	return sections
}

func TestRenderWithoutUnits(t *testing.T) {
	got := Render(Report{Title: "csocbot plan for `abc1234`"})
	want := "### csocbot plan for `abc1234`\n\nNo units were selected for planning.\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// A pull request author controls unit paths, resource names, values and
// error output. None of it may end a code block or <details> element, add
// table cells or inject HTML.
func TestRenderContainsUntrustedText(t *testing.T) {
	hostile := "x```</details><img src=x onerror=alert(1)>| @team\n# heading\r\n````"
	r := Report{
		Title: "csocbot plan for `abc1234`",
		Units: []UnitReport{{
			Path:        hostile,
			Environment: hostile,
			Status:      Planned,
			Reasons:     []string{hostile},
			Summary: &plansummary.Summary{
				Create: 1,
				Resources: []plansummary.Resource{{
					Address:  `aws_s3_bucket.b["` + hostile + `"]`,
					Action:   plansummary.ActionCreate,
					Imported: true,
					ImportID: hostile,
					Attributes: []plansummary.Attribute{
						{Path: "policy", After: `"` + hostile + `"`},
					},
				}},
			},
		}, {
			Path:          hostile,
			Status:        Failed,
			FailedCommand: hostile,
			ErrorTail:     hostile + "\n</details>\n```\n" + hostile,
		}, {
			Path:       hostile,
			Status:     Skipped,
			SkipReason: hostile,
			Mocked:     []MockedOutputs{{Dependency: hostile, Outputs: []string{hostile}}},
		}},
	}
	got := Render(r)
	golden(t, "untrusted.golden.md", got)
	checkStructure(t, got)

	// Outside code blocks, only the renderer's own tags may appear.
	prose, _ := proseLines(got)
	for _, line := range prose {
		if strings.HasPrefix(line, "|") && strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") != 8 {
			t.Errorf("table row with forged cells: %q", line)
		}
		markup := markup(line)
		if strings.Contains(markup, "<img") || strings.Contains(markup, "</details>") && line != "</details>" {
			t.Errorf("untrusted HTML outside a code block: %q", line)
		}
		if strings.HasPrefix(line, "# heading") {
			t.Errorf("untrusted text started a line: %q", line)
		}
	}
}

// markup returns what of line Markdown interprets: line without code spans
// and backslash-escaped characters.
func markup(line string) string {
	var b strings.Builder
	for i := 0; i < len(line); {
		switch {
		case line[i] == '\\' && i+1 < len(line):
			i += 2
		case line[i] == '`':
			n := len(line[i:]) - len(strings.TrimLeft(line[i:], "`"))
			delim := line[i : i+n]
			end := i + n
			for {
				j := strings.Index(line[end:], delim)
				if j < 0 {
					end = -1
					break
				}
				end += j
				if end+n == len(line) || line[end+n] != '`' {
					break
				}
				end += n + len(line[end+n:]) - len(strings.TrimLeft(line[end+n:], "`"))
			}
			if end < 0 {
				b.WriteString(delim)
				i += n
				continue
			}
			i = end + n
		default:
			b.WriteByte(line[i])
			i++
		}
	}
	return b.String()
}

// fenceRE matches a line opening a code block, as the splitter and GitHub
// see it.
var fenceRE = regexp.MustCompile("^ {0,3}(`{3,}|~{3,})(.*)$")

// detailsRE matches a trimmed line opening a <details> element.
var detailsRE = regexp.MustCompile(`(?i)^<details([ \t>]|$)`)

// checkStructure fails the test unless every code block and <details>
// element opened in markdown is closed in it, and none is closed that was
// not opened. It reads Markdown independently of Split.
func checkStructure(t *testing.T, markdown string) {
	t.Helper()
	if err := structureError(markdown); err != "" {
		t.Errorf("%s in:\n%s", err, markdown)
	}
}

func structureError(markdown string) string {
	prose, fenceOpen := proseLines(markdown)
	if fenceOpen {
		return "code block left open"
	}
	depth := 0
	for _, line := range prose {
		switch trimmed := strings.TrimSpace(line); {
		case detailsRE.MatchString(trimmed):
			depth++
		case strings.EqualFold(trimmed, "</details>"):
			depth--
			if depth < 0 {
				return "</details> without <details>"
			}
		}
	}
	if depth > 0 {
		return "<details> left open"
	}
	return ""
}

// proseLines returns the lines of markdown outside code blocks, and
// whether the last code block is left open.
func proseLines(markdown string) (prose []string, fenceOpen bool) {
	var closer *regexp.Regexp
	for _, line := range strings.Split(markdown, "\n") {
		if closer != nil {
			if closer.MatchString(line) {
				closer = nil
			}
			continue
		}
		if m := fenceRE.FindStringSubmatch(line); m != nil && !(m[1][0] == '`' && strings.Contains(m[2], "`")) {
			closer = regexp.MustCompile("^ {0,3}" + regexp.QuoteMeta(m[1]) + regexp.QuoteMeta(m[1][:1]) + "*[ \t]*$")
			continue
		}
		prose = append(prose, line)
	}
	return prose, closer != nil
}

func TestRenderEnvironmentColumnOnlyWhenKnown(t *testing.T) {
	tests := []struct {
		name string
		env  string
		want string
	}{
		{"no environment mapping", "", "| Unit | + | ~ | - | ± | Status |\n"},
		{"mapped environment", "prod", "| Unit | Environment | + | ~ | - | ± | Status |\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md := Render(Report{Title: "t", Units: []UnitReport{{Path: "live/vpc", Environment: tt.env, Status: Skipped, SkipReason: "x"}}})
			if !strings.Contains(md, tt.want) {
				t.Errorf("table header missing %q in:\n%s", tt.want, md)
			}
		})
	}
}

func TestRenderListsDeletedUnits(t *testing.T) {
	for _, units := range [][]UnitReport{nil, {{Path: "live/vpc", Status: Skipped, SkipReason: "x"}}} {
		md := Render(Report{Title: "t", Units: units, Deleted: []string{"live/old`unit"}})
		if !strings.Contains(md, "**Removed from the repository**") || !strings.Contains(md, "live/old") || strings.Contains(md, "- `live/old`unit`") {
			t.Errorf("deleted units not listed, or not escaped:\n%s", md)
		}
	}
}

func TestRenderPolicy(t *testing.T) {
	r := Report{
		Title: "csocbot plan for `abc1234`",
		Units: []UnitReport{
			{Path: "live/prod/seed", Environment: "prod", Status: Blocked, Policy: []PolicyResult{
				{Set: "gen3", Rule: "untrusted_code", Kind: "deny", Message: "live/prod/seed: resource terraform_data.x has a local-exec provisioner | <b>not bold</b>"},
			}},
			{Path: "live/prod/app", Environment: "prod", Status: Skipped, SkipReason: "depends on live/prod/seed, which a policy blocked"},
			{Path: "live/prod/rds", Environment: "prod", Status: NoChanges, Policy: []PolicyResult{
				{Set: "gen3", Rule: "data_store_protection", Kind: "deny", Message: "aws_db_instance.fence would be deleted", Overridden: true},
				{Set: "strict", Kind: "error", Message: "policy set timed out after 5s; counted as a failure"},
				{Set: "gen3", Rule: "module_source_pinned", Kind: "warn", Message: "unpinned"},
			}},
			{Path: "live/staging/vpc", Environment: "staging", Status: NoChanges, Policy: []PolicyResult{}},
		},
		PolicyNotes: []string{"**Policy set `strict` fails.** It cannot be overridden."},
	}
	md := Render(r)
	golden(t, "policy.golden.md", md)
	for _, want := range []string{
		"| Unit | Environment | + | ~ | - | ± | Status | Policy |",
		"| 🚫 blocked by policy | ❌ 1 failed |",
		"| ✅ no changes | ❌ 1 failed, ☑️ 1 overridden, ⚠️ 1 warning |",
		"| ✅ no changes | ✅ passed |",
		"| ⏭️ skipped |  |",
		`provisioner \| \<b\>not bold\</b\>`,
	} {
		if !strings.Contains(md, want) {
			t.Errorf("comment lacks %q", want)
		}
	}
	if strings.Contains(md, "<b>") {
		t.Error("a policy message was not escaped")
	}
}

func TestRenderTotals(t *testing.T) {
	planned := func(s plansummary.Summary) UnitReport { return UnitReport{Path: "a", Status: Planned, Summary: &s} }
	tests := []struct {
		name  string
		units []UnitReport
		want  string
	}{
		{"sums every unit", []UnitReport{
			planned(plansummary.Summary{Create: 20, Update: 1}),
			planned(plansummary.Summary{Create: 2}),
			{Path: "b", Status: NoChanges},
		}, "**Plan: 22 to add, 1 to change, 0 to destroy** across 3 units."},
		{"replacements, imports and the rest when there are some", []UnitReport{
			planned(plansummary.Summary{Replace: 2, Import: 1, Delete: 1}),
			planned(plansummary.Summary{Move: 1, Forget: 1, Read: 3}),
		}, "**Plan: 1 to import, 0 to add, 0 to change, 2 to replace, 1 to destroy, 1 to move, 1 to forget, 3 to read during apply** across 2 units."},
		{"units without a plan are named, not counted", []UnitReport{
			planned(plansummary.Summary{Create: 1}),
			{Path: "b", Status: Failed},
			{Path: "c", Status: Skipped},
			{Path: "d", Status: Failed},
			{Path: "e", Status: Blocked},
			{Path: "f", Status: Planned},
		}, "**Plan: 1 to add, 0 to change, 0 to destroy** across 1 unit. Not counted: 2 failed, 1 skipped, 1 blocked by policy, 1 without a plan summary."},
		{"nothing planned", []UnitReport{{Path: "b", Status: Failed}},
			"**Plan: 0 to add, 0 to change, 0 to destroy** across 0 units. Not counted: 1 failed."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md := Render(Report{Title: "t", Units: tt.units})
			// The totals come first, before the table.
			if want := "### t\n\n" + tt.want + "\n\n| Unit |"; !strings.HasPrefix(md, want) {
				t.Errorf("comment does not start with %q:\n%s", want, md)
			}
		})
	}
}

func TestRenderLegend(t *testing.T) {
	const legend = " |\n\n<sub>`+` to add · `~` to change in place · `-` to destroy · `±` to replace (destroy and re-create; not counted under `+` or `-`)"
	const mockLegend = " · 🎭 the plan uses mock outputs of a dependency</sub>"
	for _, mocked := range []bool{false, true} {
		u := UnitReport{Path: "a", Status: NoChanges}
		if mocked {
			u.Mocked = []MockedOutputs{{Dependency: "b", Outputs: []string{"id"}}}
		}
		md := Render(Report{Title: "t", Units: []UnitReport{u}})
		if !strings.Contains(md, legend) {
			t.Errorf("no legend under the table:\n%s", md)
		}
		if strings.Contains(md, mockLegend) != mocked {
			t.Errorf("🎭 explained = %v, want %v:\n%s", !mocked, mocked, md)
		}
	}
}

// A plan that used mock outputs says so in the table and in a note that
// a collapsed section cannot hide.
func TestRenderMockedOutputs(t *testing.T) {
	r := Report{Title: "t", Units: []UnitReport{{
		Path:    "live/prod/eks",
		Status:  Planned,
		Summary: &plansummary.Summary{Create: 1, Resources: []plansummary.Resource{{Address: "x.y", Action: plansummary.ActionCreate}}},
		Mocked: []MockedOutputs{
			{Dependency: "live/prod/vpc", Outputs: []string{"subnet_ids", "vpc_id"}},
			{Dependency: "live/prod/`iam`", Outputs: []string{"role_arn"}},
		},
	}, {Path: "live/prod/dns", Status: NoChanges}}}
	md := Render(r)
	for _, want := range []string{
		"| `live/prod/eks` | 1 | 0 | 0 | 0 | 📝 changes 🎭 |",
		"| `live/prod/dns` | 0 | 0 | 0 | 0 | ✅ no changes |",
		"</details>\n\n🎭 **Mock values** from `live/prod/vpc` (`subnet_ids`, `vpc_id`): its state has no value for them yet, so the plan used its mock outputs; the real values are known only after `live/prod/vpc` is applied.\n",
		"\n🎭 **Mock values** from `` live/prod/`iam` `` (`role_arn`): its state has no value for them yet, so the plan used its mock outputs; the real values are known only after `` live/prod/`iam` `` is applied.\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("comment lacks %q:\n%s", want, md)
		}
	}
	if n := strings.Count(md, "**Mock values**"); n != 2 {
		t.Errorf("%d mock notes, want 2", n)
	}
}

func TestRenderNextSteps(t *testing.T) {
	units := []UnitReport{{Path: "a", Status: NoChanges}}
	tests := []struct {
		name, prefix, want string
	}{
		{"default prefix", "", "`csocbot plan -u UNIT` to plan one unit again\n"},
		{"configured prefix", "@infra-bot", "`@infra-bot plan -u UNIT` to plan one unit again\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md := Render(Report{Title: "t", Units: units, CommandPrefix: tt.prefix})
			_, footer, ok := strings.Cut(md, "\n---\n\n**Next steps** (comment on this pull request):\n")
			if !ok || !strings.Contains(footer, "- "+tt.want) {
				t.Errorf("footer lacks %q:\n%s", tt.want, md)
			}
			if lines := strings.Count(footer, "\n"); lines != len(nextSteps) {
				t.Errorf("footer has %d lines, want one per step (%d):\n%s", lines, len(nextSteps), footer)
			}
			for _, absent := range []string{"apply", "unlock"} {
				if strings.Contains(footer, absent) {
					t.Errorf("footer offers %s, which is not enabled:\n%s", absent, footer)
				}
			}
		})
	}
}
