package workflow

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/csocbot/csocbot/config"
)

// readsPullRequest answers the pull request read, after which it lets
// the fetch go on (a fetch waiting for it proves the two overlap).
type readsPullRequest struct {
	pr   PullRequest
	err  error
	read chan struct{}
}

func (p readsPullRequest) PullRequest(context.Context, string, int) (PullRequest, error) {
	close(p.read)
	return p.pr, p.err
}

func (readsPullRequest) Approvals(context.Context, string, int) ([]Approval, error) {
	return nil, nil
}

func (readsPullRequest) IsTeamMember(context.Context, string, string, string) (bool, error) {
	return false, nil
}

// noSealing is a Sealer the checks below never get to use.
type noSealing struct{}

func (noSealing) SealBytes(p, _ []byte) ([]byte, error) { return p, nil }
func (noSealing) OpenBytes(s, _ []byte) ([]byte, error) { return s, nil }

// TestApplyCheckReadsWhileFetching checks that the pull request is read
// while the repository is fetched, and that the outcome is the one of
// checking them in turn: a failed fetch wins over whatever the read
// found, as when the fetch came first.
func TestApplyCheckReadsWhileFetching(t *testing.T) {
	const head = "0123456789abcdef0123456789abcdef01234567"
	errFetch, errRead := errors.New("fetch failed"), errors.New("GitHub is down")
	tests := []struct {
		name        string
		fetchErr    error
		pr          PullRequest
		readErr     error
		wantErr     error
		wantRefusal string
	}{
		{name: "the fetch fails and the read too", fetchErr: errFetch, readErr: errRead, wantErr: errFetch},
		{name: "the fetch fails, the pull request is closed", fetchErr: errFetch, pr: PullRequest{HeadSHA: head}, wantErr: errFetch},
		{name: "the read fails", readErr: errRead, wantErr: errRead},
		{name: "the pull request is closed", pr: PullRequest{HeadSHA: head}, wantRefusal: "the pull request is closed"},
		{name: "the head moved", pr: PullRequest{Open: true, HeadSHA: "fedcba9876543210"}, wantRefusal: "the pull request's head moved to `fedcba9`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prs := readsPullRequest{pr: tt.pr, err: tt.readErr, read: make(chan struct{})}
			a := &Apply{Config: &config.Config{Apply: config.Apply{Enabled: true}}, PullRequests: prs, Sealer: noSealing{}}
			req := ApplyRequest{
				Change: Change{Repo: "csoc/infra", PR: 7, HeadSHA: head},
				Fetch: func(ctx context.Context) (ApplySource, error) {
					select {
					case <-prs.read:
					case <-time.After(10 * time.Second):
						return ApplySource{}, errors.New("the pull request was not read while the repository was fetched")
					}
					return ApplySource{Base: "base"}, tt.fetchErr
				},
			}
			chk, err := a.check(t.Context(), &req)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("check error = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				return
			}
			if !slices.ContainsFunc(chk.refused, func(r string) bool { return strings.Contains(r, tt.wantRefusal) }) {
				t.Errorf("refused = %q, want one saying %q", chk.refused, tt.wantRefusal)
			}
			if req.Base != "base" {
				t.Errorf("the request's base is %q, want the fetched one", req.Base)
			}
		})
	}
}
