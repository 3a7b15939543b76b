package repocache

import (
	"strings"
	"testing"
)

// TestFetchRevision fetches a chart repository's revisions the ways an
// Argo CD Application names them: a branch, a lightweight or annotated
// tag, a commit SHA.
func TestFetchRevision(t *testing.T) {
	src := newSource(t)
	first := src.Git("rev-parse", "main")
	src.Git("tag", "v1.0.0")
	src.Git("tag", "-a", "-m", "release", "v1.0.1")
	src.Git("checkout", "-q", "-b", "feat/deployment-canary")
	src.Write("helm/gen3/Chart.yaml", "apiVersion: v2\nname: gen3\nversion: 0.1.0\n")
	canary := src.CommitAll("canary")
	src.Git("checkout", "-q", "main")

	c, _ := testCache(t, testToken)
	for _, tc := range []struct{ rev, want, err string }{
		{rev: "main", want: first},
		{rev: "feat/deployment-canary", want: canary},
		{rev: "v1.0.0", want: first},
		{rev: "v1.0.1", want: first},
		{rev: canary, want: canary},
		{rev: "nope", err: `revision "nope" is no branch or tag`},
		{rev: "-oops", err: `"-oops" is not a branch, tag or commit`},
		{rev: "main^", err: `is not a branch, tag or commit`},
	} {
		t.Run(tc.rev, func(t *testing.T) {
			got, err := c.Fetch(t.Context(), repoName, src.URL, FetchRefs{Revision: tc.rev})
			switch {
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("error %v, want %q", err, tc.err)
			case tc.err == "" && err != nil:
				t.Error(err)
			case tc.err == "" && got.Revision != tc.want:
				t.Errorf("revision %s, want %s", got.Revision, tc.want)
			}
		})
	}
}
