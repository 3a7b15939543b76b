package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// Values shared by the fixtures, all taken from the payload files.
var (
	helloWorld = Repo{
		FullName:      "Codertocat/Hello-World",
		DefaultBranch: "master",
	}
	codertocat = Actor{Login: "Codertocat", Type: "User"}
)

// fixturePR is the pull request every pull_request fixture describes, as it
// is when opened.
func fixturePR() *PullRequest {
	return &PullRequest{
		State:    "open",
		Author:   codertocat,
		HeadSHA:  "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
		HeadRef:  "changes",
		HeadRepo: "Codertocat/Hello-World",
		BaseSHA:  "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
		BaseRef:  "master",
		BaseRepo: "Codertocat/Hello-World",
	}
}

func prEvent(action string, installation int64, edit func(*Event)) Event {
	ev := Event{
		Kind:           KindPullRequest,
		Action:         action,
		Repo:           helloWorld,
		InstallationID: installation,
		Sender:         codertocat,
		Number:         2,
		Labels:         []string{"bug"},
		PullRequest:    fixturePR(),
	}
	if edit != nil {
		edit(&ev)
	}
	return ev
}

func commentEvent(action, body string) Event {
	return Event{
		Kind:    KindIssueComment,
		Action:  action,
		Ignored: true, // the fixtures comment on a plain issue
		Repo:    helloWorld,
		Sender:  codertocat,
		Number:  1,
		Labels:  []string{"bug"},
		Comment: &Comment{ID: 492700400, Body: body, Author: codertocat, Association: "OWNER"},
	}
}

func reviewEvent(action, state string) Event {
	return Event{
		Kind:           KindPullRequestReview,
		Action:         action,
		Repo:           helloWorld,
		InstallationID: 1,
		Sender:         codertocat,
		Number:         2,
		Labels:         []string{"bug"},
		PullRequest:    fixturePR(),
		Review: &Review{
			ID:          237895671,
			State:       state,
			Reviewer:    codertocat,
			Association: "OWNER",
			CommitID:    "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
		},
	}
}

func TestParseFixtures(t *testing.T) {
	const zeroSHA = "0000000000000000000000000000000000000000"
	want := map[string]Event{
		"pull_request/opened.payload.json":           prEvent("opened", 1, nil),
		"pull_request/opened.with-null-body.json":    prEvent("opened", 1, nil),
		"pull_request/reopened.payload.json":         prEvent("reopened", 1, nil),
		"pull_request/synchronize.payload.json":      prEvent("synchronize", 1, nil),
		"pull_request/ready_for_review.payload.json": prEvent("ready_for_review", 0, nil),
		"pull_request/closed.payload.json": prEvent("closed", 1, func(ev *Event) {
			ev.PullRequest.State = "closed"
		}),
		"pull_request/labeled.payload.json": prEvent("labeled", 1, func(ev *Event) {
			ev.Ignored = true
		}),
		"pull_request/converted_to_draft.payload.json": prEvent("converted_to_draft", 0, func(ev *Event) {
			ev.Ignored = true
			ev.PullRequest.Draft = true
		}),
		"issue_comment/created.payload.json":         commentEvent("created", "You are totally right! I'll get this fixed right away."),
		"issue_comment/edited.payload.json":          commentEvent("edited", "You are totally right! I'll get this fixed today."),
		"issue_comment/deleted.payload.json":         commentEvent("deleted", "You are totally right! I'll get this fixed today."),
		"pull_request_review/submitted.payload.json": reviewEvent("submitted", "commented"),
		"pull_request_review/dismissed.payload.json": reviewEvent("dismissed", "dismissed"),
		"push/payload.json": {
			Kind:   KindPush,
			Repo:   helloWorld,
			Sender: codertocat,
			Push: &Push{
				Ref:     "refs/tags/simple-tag",
				Before:  "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
				After:   zeroSHA,
				Deleted: true,
			},
		},
		"push/with-new-branch.payload.json": {
			Kind:           KindPush,
			Repo:           helloWorld,
			InstallationID: 1,
			Sender:         codertocat,
			Push: &Push{
				Ref:     "refs/heads/master",
				Before:  zeroSHA,
				After:   "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
				Created: true,
			},
		},
		"ping/payload.json": {
			Kind: KindPing,
			Repo: Repo{
				FullName:      "Octocoders/Hello-World",
				DefaultBranch: "master",
			},
			Sender: codertocat,
		},
		"installation/created.payload.json": {
			Kind:           KindInstallation,
			Action:         "created",
			InstallationID: 957387,
			Sender:         codertocat,
			Installation: &Installation{
				Account:      codertocat,
				Repositories: []string{"Codertocat/Hello-World"},
			},
		},
	}
	for _, f := range fixtures(t) {
		t.Run(f.name, func(t *testing.T) {
			got, err := Parse(f.eventType, f.body)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			w, ok := want[f.name]
			if !ok {
				t.Fatalf("no expectation for this fixture; Parse returned\n%s", dump(got))
			}
			if !reflect.DeepEqual(got, w) {
				t.Errorf("Parse returned\n%s\nwant\n%s", dump(got), dump(w))
			}
		})
	}
}

// TestParseVariants edits real payloads into the cases the fixtures lack:
// comments on pull requests, bot authors and forks.
func TestParseVariants(t *testing.T) {
	comment := readFixture(t, "issue_comment/created.payload.json")
	opened := readFixture(t, "pull_request/opened.payload.json")
	tests := []struct {
		name      string
		eventType string
		body      []byte
		check     func(t *testing.T, ev Event)
	}{
		{
			name:      "comment on a pull request",
			eventType: "issue_comment",
			body: edit(t, comment, func(p map[string]any) {
				p["issue"].(map[string]any)["pull_request"] = map[string]any{"url": "https://api.github.com/repos/Codertocat/Hello-World/pulls/1"}
				p["comment"].(map[string]any)["body"] = "csocbot plan"
			}),
			check: func(t *testing.T, ev Event) {
				if ev.Ignored || !ev.Comment.OnPullRequest || ev.Comment.Body != "csocbot plan" || ev.Number != 1 {
					t.Errorf("got Ignored=%v OnPullRequest=%v Body=%q Number=%d, want false, true, %q, 1",
						ev.Ignored, ev.Comment.OnPullRequest, ev.Comment.Body, ev.Number, "csocbot plan")
				}
			},
		},
		{
			name:      "comment by a bot",
			eventType: "issue_comment",
			body: edit(t, comment, func(p map[string]any) {
				p["comment"].(map[string]any)["user"].(map[string]any)["login"] = "csocbot[bot]"
				p["comment"].(map[string]any)["user"].(map[string]any)["type"] = "Bot"
			}),
			check: func(t *testing.T, ev Event) {
				if !ev.Comment.Author.IsBot() || ev.Comment.Author.Login != "csocbot[bot]" || ev.Sender.IsBot() {
					t.Errorf("author %+v, sender %+v: want the author to be the bot and the sender not", ev.Comment.Author, ev.Sender)
				}
			},
		},
		{
			name:      "unknown comment action",
			eventType: "issue_comment",
			body: edit(t, comment, func(p map[string]any) {
				p["issue"].(map[string]any)["pull_request"] = map[string]any{}
				p["action"] = "pinned"
			}),
			check: func(t *testing.T, ev Event) {
				if !ev.Ignored {
					t.Error("Ignored = false for an unknown action")
				}
			},
		},
		{
			name:      "same-repo pull request",
			eventType: "pull_request",
			body:      opened,
			check: func(t *testing.T, ev Event) {
				if ev.PullRequest.FromFork() {
					t.Error("FromFork = true for a branch in the base repository")
				}
			},
		},
		{
			name:      "pull request from a fork",
			eventType: "pull_request",
			body: edit(t, opened, func(p map[string]any) {
				head := p["pull_request"].(map[string]any)["head"].(map[string]any)
				head["repo"].(map[string]any)["full_name"] = "mallory/Hello-World"
			}),
			check: func(t *testing.T, ev Event) {
				if !ev.PullRequest.FromFork() || ev.PullRequest.HeadRepo != "mallory/Hello-World" {
					t.Errorf("FromFork = %v with head repo %q, want true", ev.PullRequest.FromFork(), ev.PullRequest.HeadRepo)
				}
			},
		},
		{
			name:      "pull request from a deleted fork",
			eventType: "pull_request",
			body: edit(t, opened, func(p map[string]any) {
				p["pull_request"].(map[string]any)["head"].(map[string]any)["repo"] = nil
			}),
			check: func(t *testing.T, ev Event) {
				if !ev.PullRequest.FromFork() {
					t.Error("FromFork = false for a head repository that no longer exists")
				}
			},
		},
		{
			name:      "merged pull request",
			eventType: "pull_request",
			body: edit(t, readFixture(t, "pull_request/closed.payload.json"), func(p map[string]any) {
				p["pull_request"].(map[string]any)["merged"] = true
			}),
			check: func(t *testing.T, ev Event) {
				if !ev.PullRequest.Merged || ev.Ignored {
					t.Errorf("Merged = %v, Ignored = %v, want true, false", ev.PullRequest.Merged, ev.Ignored)
				}
			},
		},
		{
			name:      "approval in upper case",
			eventType: "pull_request_review",
			body: edit(t, readFixture(t, "pull_request_review/submitted.payload.json"), func(p map[string]any) {
				p["review"].(map[string]any)["state"] = "APPROVED"
			}),
			check: func(t *testing.T, ev Event) {
				if ev.Review.State != "approved" {
					t.Errorf("Review.State = %q, want %q", ev.Review.State, "approved")
				}
			},
		},
		{
			name:      "edited review",
			eventType: "pull_request_review",
			body: edit(t, readFixture(t, "pull_request_review/submitted.payload.json"), func(p map[string]any) {
				p["action"] = "edited"
			}),
			check: func(t *testing.T, ev Event) {
				if !ev.Ignored {
					t.Error("Ignored = false for an edited review")
				}
			},
		},
		{
			name:      "number only inside the pull request",
			eventType: "pull_request",
			body: edit(t, opened, func(p map[string]any) {
				delete(p, "number")
			}),
			check: func(t *testing.T, ev Event) {
				if ev.Number != 2 {
					t.Errorf("Number = %d, want 2", ev.Number)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := Parse(tt.eventType, tt.body)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tt.check(t, ev)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name        string
		eventType   string
		body        string
		unsupported bool // else malformed
	}{
		{"unknown event", "fork", `{}`, true},
		{"event csocbot does not handle", "issues", `{"action":"opened"}`, true},
		{"missing event type", "", `{}`, true},
		{"event names are case-sensitive", "Pull_Request", `{}`, true},
		{"unsupported event with garbage body", "star", `not json`, true},
		{"empty body", "pull_request", ``, false},
		{"truncated JSON", "pull_request", `{"action":"opened"`, false},
		{"not an object", "push", `[]`, false},
		{"wrong field type", "pull_request", `{"number":"two","pull_request":{},"repository":{}}`, false},
		{"null", "pull_request", `null`, false},
		{"pull request without pull_request", "pull_request", `{"action":"opened","number":2,"repository":{}}`, false},
		{"pull request without repository", "pull_request", `{"action":"opened","number":2,"pull_request":{}}`, false},
		{"pull request without number", "pull_request", `{"action":"opened","pull_request":{},"repository":{}}`, false},
		{"comment without comment", "issue_comment", `{"action":"created","issue":{},"repository":{}}`, false},
		{"comment without issue", "issue_comment", `{"action":"created","comment":{},"repository":{}}`, false},
		{"comment without repository", "issue_comment", `{"action":"created","issue":{},"comment":{}}`, false},
		{"review without review", "pull_request_review", `{"action":"submitted","pull_request":{},"repository":{}}`, false},
		{"review without pull_request", "pull_request_review", `{"action":"submitted","review":{},"repository":{}}`, false},
		{"review without repository", "pull_request_review", `{"action":"submitted","review":{},"pull_request":{}}`, false},
		{"push without ref", "push", `{"repository":{}}`, false},
		{"push without repository", "push", `{"ref":"refs/heads/main"}`, false},
		{"installation without installation", "installation", `{"action":"created"}`, false},
		{"ping that is not JSON", "ping", `pong`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.eventType, []byte(tt.body))
			var unsupported *UnsupportedEventError
			switch {
			case err == nil:
				t.Fatal("Parse succeeded, want an error")
			case tt.unsupported && (!errors.As(err, &unsupported) || unsupported.Type != tt.eventType):
				t.Fatalf("Parse = %v, want an UnsupportedEventError for %q", err, tt.eventType)
			case tt.unsupported && err.Error() != fmt.Sprintf("unsupported GitHub event type %q", tt.eventType):
				t.Fatalf("Parse = %q, want it to name the event type", err)
			case !tt.unsupported && !errors.Is(err, ErrMalformedPayload):
				t.Fatalf("Parse = %v, want %v", err, ErrMalformedPayload)
			}
		})
	}
}

func BenchmarkVerifyAndParse(b *testing.B) {
	body := readFixture(b, "pull_request/opened.payload.json")
	sig := sign(testSecret, body)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Verify(testSecret, sig, body); err != nil {
			b.Fatal(err)
		}
		if _, err := Parse("pull_request", body); err != nil {
			b.Fatal(err)
		}
	}
}

// edit decodes a payload, changes it and encodes it again.
func edit(t *testing.T, body []byte, change func(map[string]any)) []byte {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	change(p)
	out, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func dump(ev Event) string {
	out, _ := json.MarshalIndent(ev, "", "  ")
	return string(out)
}
