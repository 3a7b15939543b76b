package github_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/csocbot/csocbot/internal/fakegithub"
	"github.com/csocbot/csocbot/notify/github"
	"github.com/csocbot/csocbot/notify/vcs"
)

func TestSetStatus(t *testing.T) {
	long := strings.Repeat("plan: 3 to add, 1 to change ", 10)
	tests := []struct {
		name     string
		sha      string
		status   vcs.Status
		wantDesc string
		wantErr  string // empty: set
	}{
		{
			name:     "whole plan pending, with a link",
			sha:      fixtureHeadSHA,
			status:   vcs.Status{Context: vcs.PlanContext, State: vcs.StatusPending, Description: "planning 3 units", TargetURL: "https://csocbot.example/runs/7"},
			wantDesc: "planning 3 units",
		},
		{
			name:     "one unit succeeded, without a link",
			sha:      fixtureHeadSHA,
			status:   vcs.Status{Context: vcs.UnitContext("live/prod/vpc"), State: vcs.StatusSuccess, Description: "1 to add"},
			wantDesc: "1 to add",
		},
		{
			name:     "long description",
			sha:      fixtureHeadSHA,
			status:   vcs.Status{Context: vcs.PlanContext, State: vcs.StatusFailure, Description: long},
			wantDesc: strings.TrimRight(long[:139], " ") + "…",
		},
		{
			name:     "long description of multi-byte characters",
			sha:      fixtureBaseSHA,
			status:   vcs.Status{Context: vcs.PlanContext, State: vcs.StatusError, Description: strings.Repeat("計画🚀", 100)},
			wantDesc: strings.Repeat("計画🚀", 46) + "計…",
		},
		{
			name:    "unknown state",
			sha:     fixtureHeadSHA,
			status:  vcs.Status{Context: vcs.PlanContext, State: "done"},
			wantErr: `github: set status "csocbot/plan" on Codertocat/Hello-World@` + fixtureHeadSHA + `: "done" is not a commit status state`,
		},
		{
			name:    "no context",
			sha:     fixtureHeadSHA,
			status:  vcs.Status{State: vcs.StatusSuccess},
			wantErr: "no context",
		},
		{
			name:    "no commit",
			status:  vcs.Status{Context: vcs.PlanContext, State: vcs.StatusSuccess},
			wantErr: "no commit SHA",
		},
		{
			name:    "unknown commit",
			sha:     "0000000000000000000000000000000000000000",
			status:  vcs.Status{Context: vcs.PlanContext, State: vcs.StatusSuccess},
			wantErr: "422 Unprocessable Entity: No commit found for SHA: 0000000000000000000000000000000000000000",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			err := e.client.SetStatus(context.Background(), e.repo, tt.sha, tt.status)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("SetStatus() error = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n := utf8.RuneCountInString(tt.wantDesc); n > github.MaxStatusDescription {
				t.Fatalf("the test wants a description of %d characters", n)
			}
			statuses := e.fake.Statuses(e.repo.String(), tt.sha)
			if len(statuses) != 1 {
				t.Fatalf("%d statuses, want 1", len(statuses))
			}
			got := statuses[0]
			if got.Context != tt.status.Context || got.State != string(tt.status.State) || got.TargetURL != tt.status.TargetURL || got.Creator.Login != "csocbot" {
				t.Errorf("status = %+v, want %+v", got, tt.status)
			}
			if got.Description != tt.wantDesc {
				t.Errorf("description = %q, want %q", got.Description, tt.wantDesc)
			}
			// An empty link is left out, not sent empty.
			call := callsTo(e.fake.Calls(), "POST", "/repos/Codertocat/Hello-World/statuses/"+tt.sha)[0]
			var sent map[string]string
			if err := json.Unmarshal(call.Body, &sent); err != nil {
				t.Fatal(err)
			}
			if _, ok := sent["target_url"]; ok != (tt.status.TargetURL != "") {
				t.Errorf("sent %v", sent)
			}
		})
	}
}

func TestTeams(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.fake.SetMaxPerPage(2)
	for _, login := range []string{"alice", "bob", "carol", "dave", "erin"} {
		e.fake.AddTeamMember("csoc", "infra-approvers", login, "active")
	}
	e.fake.AddTeamMember("csoc", "infra-approvers", "frank", "pending")

	members, err := e.client.TeamMembers(ctx, "csoc", "infra-approvers")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"alice", "bob", "carol", "dave", "erin"}; !reflect.DeepEqual(members, want) {
		t.Errorf("TeamMembers() = %v, want %v", members, want)
	}
	assertPages(t, callsTo(e.fake.Calls(), "GET", "/orgs/csoc/teams/infra-approvers/members"), 3)
	if _, err := e.client.TeamMembers(ctx, "csoc", "nosuch"); err == nil || !strings.Contains(err.Error(), "list the members of team csoc/nosuch") {
		t.Errorf("TeamMembers(unknown team) error = %v", err)
	}

	tests := []struct {
		team, user string
		want       bool
	}{
		{"infra-approvers", "alice", true},
		{"infra-approvers", "Erin", true},
		{"infra-approvers", "frank", false}, // invited, not yet a member
		{"infra-approvers", "mallory", false},
		{"nosuch", "alice", false},
	}
	for _, tt := range tests {
		got, err := e.client.IsTeamMember(ctx, "csoc", tt.team, tt.user)
		if err != nil || got != tt.want {
			t.Errorf("IsTeamMember(%s, %s) = %v, %v; want %v", tt.team, tt.user, got, err, tt.want)
		}
	}

	// Errors other than 404 are not taken for "not a member".
	e.fake.Inject(fakegithub.Fault{Times: 1, Status: 403, Body: `{"message":"Resource not accessible by integration"}`})
	if _, err := e.client.IsTeamMember(ctx, "csoc", "infra-approvers", "alice"); err == nil || !strings.Contains(err.Error(), "403 Forbidden: Resource not accessible by integration") {
		t.Errorf("IsTeamMember() error = %v, want the 403", err)
	}
}
