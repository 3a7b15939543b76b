package comment

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/csocbot/csocbot/planner/plansummary"
)

var partRE = regexp.MustCompile(`(?s)^\*\*Part (\d+) of (\d+)\*\*\n\n(.*?)(\n\n\*Continued in part (\d+) of (\d+)\.\*)?$`)

// checkParts fails the test unless parts are numbered, within limit and
// each renders on its own. It returns the parts without headers and
// footers.
func checkParts(t *testing.T, parts []string, limit int) []string {
	t.Helper()
	bodies := make([]string, len(parts))
	for i, part := range parts {
		if n := utf8.RuneCountInString(part); n > limit {
			t.Errorf("part %d has %d characters, more than %d", i+1, n, limit)
		}
		m := partRE.FindStringSubmatch(part)
		if m == nil {
			t.Fatalf("part %d lacks its header or footer:\n%s", i+1, part)
		}
		last := i == len(parts)-1
		if m[1] != fmt.Sprint(i+1) || m[2] != fmt.Sprint(len(parts)) || (m[4] == "") != last {
			t.Errorf("part %d is labelled %q", i+1, m[0][:min(len(m[0]), 80)])
		}
		if err := structureError(m[3]); err != "" {
			t.Errorf("part %d: %s", i+1, err)
		}
		bodies[i] = m[3]
	}
	return bodies
}

// checkNoLineLost fails the test unless every line of markdown appears, in
// order, in the bodies of the parts.
func checkNoLineLost(t *testing.T, markdown string, bodies []string) {
	t.Helper()
	got := strings.Split(strings.Join(bodies, "\n"), "\n")
	j := 0
	for i, line := range strings.Split(strings.TrimSuffix(markdown, "\n"), "\n") {
		for j < len(got) && got[j] != line {
			j++
		}
		if j == len(got) {
			t.Fatalf("line %d of the comment is missing from the parts: %q", i+1, line)
		}
		j++
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		name     string
		markdown string
		limit    int
		want     []string // part bodies, without headers and footers
	}{{
		name:     "long lines are hard-wrapped",
		markdown: strings.Repeat("a", 120),
		limit:    100,
		want:     []string{strings.Repeat("a", 54), strings.Repeat("a", 54), strings.Repeat("a", 12)},
	}, {
		name:     "code blocks are closed and reopened",
		markdown: "intro\n````diff\n" + numbered("+ added %02d", 1, 8) + "````\noutro",
		limit:    100,
		want: []string{
			"intro\n````diff\n+ added 01\n+ added 02\n+ added 03\n````",
			"````diff\n+ added 04\n+ added 05\n+ added 06\n````",
			"````diff\n+ added 07\n+ added 08\n````\noutro",
		},
	}, {
		name:     "details are closed and reopened as continued",
		markdown: "<details open><summary>s</summary>\n\n```\n" + numbered("%d", 1, 33) + "```\n\n</details>\nend",
		limit:    140,
		want: []string{
			"<details open><summary>s</summary>\n\n```\n" + numbered("%d", 1, 16) + "```\n\n</details>",
			"<details open><summary>s (continued)</summary>\n\n```\n" + numbered("%d", 17, 25) + "```\n\n</details>",
			"<details open><summary>s (continued)</summary>\n\n```\n" + numbered("%d", 26, 33) + "```\n\n</details>",
			"end",
		},
	}, {
		name:     "text that only looks like a code block stays put",
		markdown: "    ```\n```x`y\n" + numbered("line %d", 1, 14),
		limit:    100,
		want: []string{
			"    ```\n```x`y\nline 1\nline 2\nline 3\nline 4\nline 5",
			"line 6\nline 7\nline 8\nline 9\nline 10\nline 11\nline 12",
			"line 13\nline 14",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bodies := checkParts(t, Split(tt.markdown, tt.limit), tt.limit)
			if strings.Join(bodies, "\n---\n") != strings.Join(tt.want, "\n---\n") {
				t.Errorf("got parts:\n%s\nwant:\n%s", strings.Join(bodies, "\n---\n"), strings.Join(tt.want, "\n---\n"))
			}
		})
	}
}

// numbered returns lines made from format and the numbers from to to.
func numbered(format string, from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, format+"\n", i)
	}
	return b.String()
}

func TestSplitLeavesShortCommentsAlone(t *testing.T) {
	md := Render(Report{Title: "t", Units: []UnitReport{{Path: "a", Status: NoChanges}}})
	if got := Split(md, MaxCommentLength); len(got) != 1 || got[0] != md {
		t.Errorf("got %q, want the comment unchanged", got)
	}
}

func TestSplitRejectsTinyLimits(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Split accepted a limit of 99")
		}
	}()
	Split(strings.Repeat("a", 200), 99)
}

// The golden file shows what a reviewer sees when a comment is split: each
// part closes its blocks and the next reopens them.
func TestSplitGolden(t *testing.T) {
	r := Report{
		Title: "csocbot plan for `abc1234`",
		Units: []UnitReport{
			{Path: "live/prod/app", Environment: "prod", Status: Planned, Summary: summarize(t, "mixed.json")},
			{Path: "live/dev/app", Environment: "dev", Status: Planned, Summary: summarize(t, "no_changes.json")},
		},
	}
	md := Render(r)
	const limit = 1200
	parts := Split(md, limit)
	checkNoLineLost(t, md, checkParts(t, parts, limit))
	golden(t, "report.split.golden.md", strings.Join(parts, "\n\n<!-- ======== next comment ======== -->\n\n"))
}

// largeReport returns a report on units with many resources, including
// values full of backticks and tags.
func largeReport(units, resources int) Report {
	r := Report{Title: "csocbot plan for `abc1234`"}
	for u := range units {
		s := &plansummary.Summary{}
		for i := range resources {
			res := plansummary.Resource{Address: fmt.Sprintf(`module.app["u%d"].aws_instance.web[%d]`, u, i)}
			switch i % 3 {
			case 0:
				res.Action = plansummary.ActionCreate
				s.Create++
				res.Attributes = []plansummary.Attribute{
					{Path: "ami", After: `"ami-0123456789abcdef0"`},
					{Path: "id", After: plansummary.KnownAfterApply},
					{Path: "tags.Name", After: fmt.Sprintf(`"web-%d"`, i)},
				}
			case 1:
				res.Action = plansummary.ActionUpdate
				s.Update++
				res.Attributes = []plansummary.Attribute{
					{Path: "user_data", Before: "\"```\\n</details>\"", After: "\"`````\\n<details>\""},
				}
			case 2:
				res.Action = plansummary.ActionReplace
				res.Reason = "ami forces replacement"
				s.Replace++
				res.Attributes = []plansummary.Attribute{
					{Path: "ami", Before: `"ami-1"`, After: `"ami-2"`, ForcesReplacement: true},
				}
			}
			s.Resources = append(s.Resources, res)
		}
		r.Units = append(r.Units, UnitReport{
			Path:        fmt.Sprintf("live/prod/app%d", u),
			Environment: "prod",
			Status:      Planned,
			Summary:     s,
		})
	}
	return r
}

func TestSplitLargeReport(t *testing.T) {
	md := Render(largeReport(3, 900))
	if n := utf8.RuneCountInString(md); n < 200_000 {
		t.Fatalf("the report has %d characters; the test needs more than 200,000", n)
	}
	parts := Split(md, MaxCommentLength)
	if len(parts) < 4 {
		t.Errorf("got %d parts, want at least 4", len(parts))
	}
	checkNoLineLost(t, md, checkParts(t, parts, MaxCommentLength))
}

func FuzzSplit(f *testing.F) {
	f.Add("intro\n```diff\n+ a\n```\n<details><summary>s</summary>\n\n~~~\nx\n~~~\n</details>", 100)
	f.Add(strings.Repeat("`", 300)+"\n"+strings.Repeat("x", 300), 150)
	f.Add(strings.Repeat("<details>\n", 40)+strings.Repeat("line\n", 40), 100)
	f.Add(Render(largeReport(1, 20)), 500)
	f.Fuzz(func(t *testing.T, markdown string, limit int) {
		limit = minLimit + int(uint(limit)%4000)
		parts := Split(markdown, limit)
		if utf8.RuneCountInString(markdown) <= limit {
			if len(parts) != 1 || parts[0] != markdown {
				t.Fatalf("a comment that fits was changed: %q", parts)
			}
			return
		}
		for i, part := range parts {
			if n := utf8.RuneCountInString(part); n > limit {
				t.Fatalf("part %d has %d characters, more than %d", i+1, n, limit)
			}
			if _, open := proseLines(part); open {
				t.Fatalf("part %d leaves a code block open:\n%s", i+1, part)
			}
		}
	})
}
