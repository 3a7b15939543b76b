package slack

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// render is all a message's text as Slack receives it: the fallback and
// every string in the blocks, JSON escapes undone so markup shows.
func render(t *testing.T, m Message) string {
	t.Helper()
	b, err := json.Marshal(m.Blocks)
	if err != nil {
		t.Fatal(err)
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		t.Fatal(err)
	}
	out := []string{m.Text}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == "type" {
					out = append(out, `"type":"`+x.(string)+`"`)
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case string:
			out = append(out, v)
		}
	}
	walk(tree)
	return strings.Join(out, "\n")
}

func base(kind EventKind) Event {
	return Event{
		Kind: kind, Repo: "org/infra", PR: 42, Title: "Add a bucket", Author: "alice",
		PRURL: "https://github.com/org/infra/pull/42", RunURL: "https://csocbot.example/jobs/9",
		CommitURL: "https://github.com/org/infra/commit/0123456789abcdef", HeadSHA: "0123456789abcdef",
		Environment: "staging",
		Units:       []Unit{{Path: "envs/staging/s3", Result: "planned", Create: 2, Update: 1, Delete: 1, Replace: 1}},
	}
}

func TestReply(t *testing.T) {
	with := func(kind EventKind, f func(*Event)) Event { e := base(kind); f(&e); return e }
	for _, tc := range []struct {
		name    string
		e       Event
		want    []string
		wantNot []string
	}{
		{"plan ready", with(PlanReady, func(e *Event) { e.Summary = "1 unit: +2 ~1 -1 ±1" }),
			[]string{`"type":"header"`, "Plan ready in staging", "`envs/staging/s3` planned: +2 ~1 -1 ±1", "*Total* +2 ~1 -1 ±1",
				"<https://github.com/org/infra/pull/42|pull request>", "<https://csocbot.example/jobs/9|run>",
				"<https://github.com/org/infra/commit/0123456789abcdef|commit 0123456>", "environment staging", "1 unit: +2 ~1 -1 ±1"},
			[]string{"```", "subteam"}},
		{"plan failed with its tail", with(PlanFailed, func(e *Event) { e.Failed, e.Details = true, "Error: boom" }),
			[]string{"Plan failed in staging", "```\nError: boom\n```"}, nil},
		{"policy denied", with(PolicyDenied, func(e *Event) { e.Summary = "Policy fails: tagging" }),
			[]string{"Policy denied", "Policy fails: tagging"}, nil},
		{"override", with(Override, func(e *Event) {
			e.Actor, e.Summary, e.Units, e.Environment = "bob", "Policy set tagging overridden", nil, ""
		}),
			[]string{"Policy overridden", "By *bob*", "Policy set tagging overridden"}, []string{" in ", "Total"}},
		{"lock conflict", with(LockConflict, func(e *Event) { e.Summary = "envs/staging/s3 is locked by org/infra#41" }),
			[]string{"Lock conflict", "locked by org/infra#41"}, nil},
		{"apply started", with(ApplyStarted, func(e *Event) { e.Actor, e.RoleARN = "alice", "arn:aws:iam::123456789012:role/apply" }),
			[]string{"Apply started in staging", "By *alice*", "Role `arn:aws:iam::123456789012:role/apply`"}, nil},
		{"apply succeeded", with(ApplyFinished, func(e *Event) { e.Actor = "alice"; e.Units[0].Result = "applied" }),
			[]string{"Apply succeeded", "applied"}, []string{"Apply failed"}},
		{"prod apply failed mentions on-call", with(ApplyFinished, func(e *Event) {
			e.Environment, e.Prod, e.Failed, e.Mention, e.Details = "prod", true, true, "S0123ABC", "Error: denied"
		}), []string{"Apply failed in prod", "<!subteam^S0123ABC> prod apply failed", "```\nError: denied\n```", "environment prod (prod)"}, nil},
		{"staging apply failure does not page", with(ApplyFinished, func(e *Event) { e.Failed, e.Mention = true, "S0123ABC" }),
			[]string{"Apply failed"}, []string{"subteam"}},
		{"bad group id is not sent", with(ApplyFinished, func(e *Event) { e.Prod, e.Failed, e.Mention = true, true, "S1><!channel" }),
			nil, []string{"subteam", "<!channel"}},
		{"interrupted", with(Interrupted, func(e *Event) { e.Failed, e.Summary = true, "csocbot stopped during this apply" }),
			[]string{"Run interrupted", "csocbot stopped"}, nil},
		{"values changed", with(ValuesChanged, func(e *Event) {
			e.Units = []Unit{{Path: "portal", Environment: "staging", Result: "passed", Update: 3}}
		}),
			[]string{"Values changed", "`portal` (staging) passed: +0 ~3 -0 ±0"}, nil},
		{"synced", with(Synced, func(e *Event) { e.Units = []Unit{{Path: "portal", Result: "syncs", Update: 1}} }),
			[]string{"Argo CD will sync", "`portal` syncs"}, nil},
		{"merged", with(Merged, func(e *Event) { e.Summary, e.Units, e.Environment = "Merged", nil, "" }),
			[]string{"Merged"}, nil},
		{"closed", with(Closed, func(e *Event) { e.Summary, e.Units, e.RunURL = "Closed without merging", nil, "" }),
			[]string{"Closed without merging"}, []string{"|run>"}},
		{"hostile text is escaped", with(PlanFailed, func(e *Event) {
			e.Summary = "<!channel> <https://evil|click>"
			e.Actor = "<@U123>"
			e.Failed, e.Details = true, "```\n<!here> & done"
			e.Units[0].Path = "<!everyone>"
		}), []string{"&lt;!channel&gt; &lt;https://evil|click&gt;", "&lt;@U123&gt;", "&lt;!here&gt; &amp; done", "&lt;!everyone&gt;"},
			[]string{"<!channel>", "<https://evil", "<@U123>", "<!here>", "<!everyone>", "```\n```"}},
		{"non-http link is not a link", with(PlanReady, func(e *Event) { e.PRURL = "javascript:alert(1)" }),
			[]string{"pull request"}, []string{"javascript"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, Reply(tc.e))
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("reply lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(got, w) {
					t.Errorf("reply has %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestParent(t *testing.T) {
	for _, tc := range []struct {
		name    string
		e       Event
		want    []string
		wantNot []string
	}{
		{"plan ready with totals", func() Event { e := base(PlanReady); e.State = StatePlanReady; return e }(),
			[]string{"*<https://github.com/org/infra/pull/42|org/infra #42>* Add a bucket", "by alice", "Plan ready", "+2 ~1 -1 ±1",
				"org/infra #42: Add a bucket (Plan ready)"}, nil},
		{"merged without units", Event{Repo: "org/infra", PR: 42, Title: "Add a bucket", State: StateMerged},
			[]string{"Merged", "org/infra #42"}, []string{"+0"}},
		{"no title", Event{Repo: "org/infra", PR: 1, State: StateApplyFailed}, []string{"(no title)", "Apply failed"}, nil},
		{"hostile title", Event{Repo: "org/infra", PR: 1, Title: "<!channel> <https://evil|click>", Author: "<!here>", State: StatePlanning},
			[]string{"&lt;!channel&gt; &lt;https://evil|click&gt;", "&lt;!here&gt;"}, []string{"<!channel>", "<https://evil", "<!here>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, Parent(tc.e))
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("parent lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(got, w) {
					t.Errorf("parent has %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestReplyLimits(t *testing.T) {
	e := base(ApplyFinished)
	e.Failed, e.Details = true, strings.Repeat("x", 5000)+"THE ERROR"
	e.Units = make([]Unit, 40)
	m := Reply(e)
	got := render(t, m)
	if !strings.Contains(got, "THE ERROR") || !strings.Contains(got, "… and 15 more") {
		t.Error("long output lost its end, or the unit list is not cut")
	}
	b, _ := json.Marshal(m.Blocks)
	var blocks []struct {
		Text *struct{ Text string } `json:"text"`
	}
	if err := json.Unmarshal(b, &blocks); err != nil {
		t.Fatal(err)
	}
	for _, bl := range blocks {
		if bl.Text != nil && len([]rune(bl.Text.Text)) > maxSection {
			t.Errorf("a block's text is %d characters, over Slack's %d", len([]rune(bl.Text.Text)), maxSection)
		}
	}
}

func TestEventJSON(t *testing.T) {
	e := base(ApplyFinished)
	e.State, e.Prod = StateApplyFailed, true
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`"kind":"apply_finished"`, `"state":"apply_failed"`, `"pr_url":`, `"head_sha":`, `"prod":true`} {
		if !bytes.Contains(b, []byte(w)) {
			t.Errorf("JSON lacks %s: %s", w, b)
		}
	}
	var back Event
	if err := json.Unmarshal(b, &back); err != nil || back.Units[0] != e.Units[0] || back.Kind != e.Kind {
		t.Errorf("round trip: %+v, %v", back, err)
	}
}
