package store

import (
	"encoding/json"
	"testing"
	"time"
)

// TestValidate checks each check's refusals, with the texts users see
// (wrapped by the store with what it was doing), and that a complete value
// passes.
func TestValidate(t *testing.T) {
	lock := Lock{Repo: "o/r", Unit: "u", PR: 1}
	run := Run{State: RunPlanned, Summary: json.RawMessage(`{}`), Policy: json.RawMessage(`[]`)}
	plan := PlanFile{Plan: []byte("sealed"), SHA256: "ab12"}
	entry := AuditEntry{Actor: "alice", Action: "plan"}
	thread := SlackThread{Repo: "o/r", PR: 1, Channel: "#csoc", TS: "1.2"}
	delivery := SlackDelivery{Repo: "o/r", PR: 1, Channel: "#csoc", Event: json.RawMessage(`{}`)}
	tests := []struct {
		name string
		v    interface{ Validate() error }
		want string // "" when valid
	}{
		{"job", NewJob{Payload: json.RawMessage(`{"pr":1}`)}, ""},
		{"job without payload", NewJob{}, ""},
		{"job payload not JSON", NewJob{Payload: json.RawMessage(`{`)}, "the payload is not JSON"},
		{"run", run, ""},
		{"run state unknown", Run{State: "done"}, `unknown run state "done"`},
		{"run summary not JSON", Run{State: RunApplied, Summary: json.RawMessage(`x`)}, "the summary is not JSON"},
		{"run policy not JSON", Run{State: RunApplied, Policy: json.RawMessage(`x`)}, "the policy results are not JSON"},
		{"comment", Comment{Kind: CommentHelp}, ""},
		{"comment kind unknown", Comment{Kind: "praise"}, `unknown comment kind "praise"`},
		{"lock", lock, ""},
		{"lock without repository", Lock{Unit: "u", PR: 1}, "no repository"},
		{"lock without unit", Lock{Repo: "o/r", PR: 1}, "no unit"},
		{"lock without pull request", Lock{Repo: "o/r", Unit: "u"}, "pull request number 0"},
		{"plan file", plan, ""},
		{"plan file empty", PlanFile{SHA256: "ab12"}, "the plan file is empty"},
		{"plan file without SHA-256", PlanFile{Plan: []byte("sealed")}, "no SHA-256 of the plan file"},
		{"audit entry", entry, ""},
		{"audit entry without actor", AuditEntry{Action: "plan"}, "no actor"},
		{"audit entry without action", AuditEntry{Actor: "alice"}, "no action"},
		{"thread", thread, ""},
		{"thread without repository", SlackThread{PR: 1, Channel: "#c", TS: "1"}, "no repository"},
		{"thread without pull request", SlackThread{Repo: "o/r", PR: -1, Channel: "#c", TS: "1"}, "pull request number -1"},
		{"thread without channel", SlackThread{Repo: "o/r", PR: 1, TS: "1"}, "no channel"},
		{"thread without TS", SlackThread{Repo: "o/r", PR: 1, Channel: "#c"}, "no message timestamp (TS)"},
		{"delivery", delivery, ""},
		{"delivery without channel", SlackDelivery{Repo: "o/r", PR: 1, Event: json.RawMessage(`{}`)}, "no channel"},
		{"delivery event not JSON", SlackDelivery{Repo: "o/r", PR: 1, Channel: "#c"}, "the event is not JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.v.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestCheckLease(t *testing.T) {
	if err := CheckLease(time.Second); err != nil {
		t.Errorf("refused a lease of a second: %v", err)
	}
	for _, lease := range []time.Duration{0, -time.Second} {
		want := "the lease is " + lease.String() + "; it must be positive"
		if err := CheckLease(lease); err == nil || err.Error() != want {
			t.Errorf("CheckLease(%v) = %v, want %q", lease, err, want)
		}
	}
}

func TestLockName(t *testing.T) {
	if got, want := (Lock{Unit: "live/vpc"}).Name(), "live/vpc"; got != want {
		t.Errorf("Name = %q, want %q", got, want)
	}
	if got, want := (Lock{Unit: "live/vpc", Workspace: "dev"}).Name(), "live/vpc (workspace dev)"; got != want {
		t.Errorf("Name = %q, want %q", got, want)
	}
}

func TestAuditEntryCleaned(t *testing.T) {
	e := AuditEntry{Actor: "al\xffice", Detail: "a\x00b", PR: 3}
	got := e.Cleaned()
	if got.Actor != CleanText(e.Actor) || got.Detail != CleanText(e.Detail) || got.PR != 3 {
		t.Errorf("Cleaned = %+v", got)
	}
	if e.Actor != "al\xffice" {
		t.Errorf("Cleaned changed the entry it was called on")
	}
}

func TestPruneCountsAdd(t *testing.T) {
	n := PruneCounts{Jobs: 1, Runs: 2}
	n.Add(PruneCounts{Deliveries: 1, Jobs: 1, Runs: 1, Comments: 1, PolicyApprovals: 1, PlanFiles: 1, SlackDeliveries: 1})
	want := PruneCounts{Deliveries: 1, Jobs: 2, Runs: 3, Comments: 1, PolicyApprovals: 1, PlanFiles: 1, SlackDeliveries: 1}
	if n != want {
		t.Errorf("sum %+v, want %+v", n, want)
	}
}
