package github

import (
	"context"
	"fmt"

	gh "github.com/google/go-github/v62/github"

	"github.com/csocbot/csocbot/notify/vcs"
)

// CollaboratorPermission returns user's permission on repo, counting
// access through teams and the organisation. Someone GitHub does not know
// as a user has none. It needs the metadata:read permission.
func (c *APIClient) CollaboratorPermission(ctx context.Context, repo vcs.Repo, user string) (vcs.Permission, error) {
	// go-github's RepositoryPermissionLevel lacks role_name.
	req, err := c.gh.NewRequest("GET", fmt.Sprintf("repos/%s/%s/collaborators/%s/permission", repo.Owner, repo.Name, user), nil)
	if err != nil {
		return vcs.PermissionNone, fmt.Errorf("github: read %s's permission on %s: %w", user, repo, err)
	}
	var body struct {
		gh.RepositoryPermissionLevel
		RoleName string `json:"role_name"`
	}
	err = c.do(ctx, req, &body)
	switch {
	case isNotFound(err):
		return vcs.PermissionNone, nil
	case err != nil:
		return vcs.PermissionNone, fmt.Errorf("github: read %s's permission on %s: %w", user, repo, err)
	}
	return effectivePermission(body.GetPermission(), body.RoleName), nil
}

// effectivePermission is the higher of the two fields GitHub answers
// with: "permission" names maintain as write and triage as read, while
// "role_name" names them exactly, or names a custom role that only
// "permission" explains.
func effectivePermission(permission, roleName string) vcs.Permission {
	p, _ := vcs.ParsePermission(permission)
	if r, ok := vcs.ParsePermission(roleName); ok && r > p {
		return r
	}
	return p
}
