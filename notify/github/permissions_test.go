package github_test

import (
	"context"
	"testing"

	"github.com/csocbot/csocbot/notify/github"
)

func TestCollaboratorPermission(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		login, role string // role "" sets none
		want        github.Permission
	}{
		{"Codertocat", "", github.PermissionAdmin}, // the repository's owner
		{"stranger", "", github.PermissionNone},
		{"reader", "read", github.PermissionRead},
		{"triager", "triage", github.PermissionTriage},
		{"writer", "write", github.PermissionWrite},
		{"maintainer", "maintain", github.PermissionMaintain},
		{"revoked", "none", github.PermissionNone},
	} {
		if tc.role != "" {
			e.fake.SetPermission(e.repo.String(), tc.login, tc.role)
		}
		got, err := e.client.CollaboratorPermission(context.Background(), e.repo, tc.login)
		if err != nil || got != tc.want {
			t.Errorf("%s: permission %s (%v), want %s", tc.login, got, err, tc.want)
		}
	}
	path := "/repos/Codertocat/Hello-World/collaborators/writer/permission"
	if n := len(callsTo(e.fake.Calls(), "GET", path)); n != 1 {
		t.Errorf("%d calls to GET %s, want 1", n, path)
	}
}

func TestPermissionNames(t *testing.T) {
	for p := github.PermissionNone; p <= github.PermissionAdmin; p++ {
		if back, ok := github.ParsePermission(p.String()); !ok || back != p {
			t.Errorf("%s does not parse back (%v %v)", p, back, ok)
		}
	}
	if _, ok := github.ParsePermission("security-manager"); ok {
		t.Error("a custom role parsed as a base role")
	}
}
