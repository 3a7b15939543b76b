package github

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/csocbot/csocbot/notify/vcs"
)

// minimizeReasons are the reasons GitHub offers.
var minimizeReasons = []vcs.MinimizeReason{
	vcs.MinimizeOutdated, vcs.MinimizeResolved, vcs.MinimizeDuplicate, vcs.MinimizeOffTopic, vcs.MinimizeSpam, vcs.MinimizeAbuse,
}

const minimizeMutation = `mutation($input: MinimizeCommentInput!) {
  minimizeComment(input: $input) {
    minimizedComment { isMinimized }
  }
}`

// MinimizeComment hides a comment, by its node id, behind "This comment was
// marked as …" with reason, keeping it one click away. Minimizing a
// minimized comment again is not an error.
func (c *APIClient) MinimizeComment(ctx context.Context, nodeID string, reason vcs.MinimizeReason) error {
	fail := func(err error) error {
		return fmt.Errorf("github: minimize comment %s as %s: %w", nodeID, strings.ToLower(string(reason)), err)
	}
	switch {
	case nodeID == "":
		return fail(errors.New("no node id"))
	case !slices.Contains(minimizeReasons, reason):
		return fail(fmt.Errorf("%q is not a reason GitHub offers", reason))
	}
	in := map[string]any{
		"query": minimizeMutation,
		"variables": map[string]any{
			"input": map[string]string{"subjectId": nodeID, "classifier": string(reason)},
		},
	}
	var out struct {
		Data struct {
			MinimizeComment *struct {
				MinimizedComment struct {
					IsMinimized bool `json:"isMinimized"`
				} `json:"minimizedComment"`
			} `json:"minimizeComment"`
		} `json:"data"`
		Errors []struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	req, err := c.gh.NewRequest("POST", c.graphQL.String(), in)
	if err != nil {
		return fail(err)
	}
	if err := c.do(ctx, req, &out); err != nil {
		return fail(err)
	}
	// GraphQL reports failures with 200 and a list of errors.
	if len(out.Errors) > 0 {
		msgs := make([]string, len(out.Errors))
		for i, e := range out.Errors {
			msgs[i] = e.Message
			if e.Type != "" {
				msgs[i] = e.Type + ": " + e.Message
			}
		}
		return fail(errors.New(strings.Join(msgs, "; ")))
	}
	if m := out.Data.MinimizeComment; m == nil || !m.MinimizedComment.IsMinimized {
		return fail(errors.New("GitHub did not report the comment minimized"))
	}
	return nil
}
