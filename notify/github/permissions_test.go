package github_test

import (
	"context"
	"testing"

	"github.com/csocbot/csocbot/notify/vcs"
)

func TestCollaboratorPermission(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		login, role string // role "" sets none
		want        vcs.Permission
	}{
		{"Codertocat", "", vcs.PermissionAdmin}, // the repository's owner
		{"stranger", "", vcs.PermissionNone},
		{"reader", "read", vcs.PermissionRead},
		{"triager", "triage", vcs.PermissionTriage},
		{"writer", "write", vcs.PermissionWrite},
		{"maintainer", "maintain", vcs.PermissionMaintain},
		{"revoked", "none", vcs.PermissionNone},
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
