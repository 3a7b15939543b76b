package github

import (
	"context"
	"fmt"

	gh "github.com/google/go-github/v62/github"
)

// Permission is a person's access to a repository, ordered from least to
// most: a Permission includes every lower one.
type Permission int

// The repository permissions, as GitHub names its base roles.
const (
	PermissionNone Permission = iota
	PermissionRead
	PermissionTriage
	PermissionWrite
	PermissionMaintain
	PermissionAdmin
)

var permissionNames = []string{"none", "read", "triage", "write", "maintain", "admin"}

// String returns GitHub's name of the permission.
func (p Permission) String() string {
	if p < 0 || int(p) >= len(permissionNames) {
		return fmt.Sprintf("Permission(%d)", int(p))
	}
	return permissionNames[p]
}

// ParsePermission reads GitHub's name of a base role; it reports false
// for anything else, such as a custom role's name.
func ParsePermission(name string) (Permission, bool) {
	for i, n := range permissionNames {
		if n == name {
			return Permission(i), true
		}
	}
	return PermissionNone, false
}

// CollaboratorPermission returns user's permission on repo, counting
// access through teams and the organisation. Someone GitHub does not know
// as a user has none. It needs the metadata:read permission.
func (c *APIClient) CollaboratorPermission(ctx context.Context, repo Repo, user string) (Permission, error) {
	// go-github's RepositoryPermissionLevel lacks role_name.
	req, err := c.gh.NewRequest("GET", fmt.Sprintf("repos/%s/%s/collaborators/%s/permission", repo.Owner, repo.Name, user), nil)
	if err != nil {
		return PermissionNone, fmt.Errorf("github: read %s's permission on %s: %w", user, repo, err)
	}
	var body struct {
		gh.RepositoryPermissionLevel
		RoleName string `json:"role_name"`
	}
	err = c.do(ctx, req, &body)
	switch {
	case isNotFound(err):
		return PermissionNone, nil
	case err != nil:
		return PermissionNone, fmt.Errorf("github: read %s's permission on %s: %w", user, repo, err)
	}
	return effectivePermission(body.GetPermission(), body.RoleName), nil
}

// effectivePermission is the higher of the two fields GitHub answers
// with: "permission" names maintain as write and triage as read, while
// "role_name" names them exactly, or names a custom role that only
// "permission" explains.
func effectivePermission(permission, roleName string) Permission {
	p, _ := ParsePermission(permission)
	if r, ok := ParsePermission(roleName); ok && r > p {
		return r
	}
	return p
}
