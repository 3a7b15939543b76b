package workflow

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/gitrepo"
)

// recorder is a Reporter that keeps what it is told.
type recorder struct {
	reports []Report
	err     error
}

func (r *recorder) Report(_ context.Context, rep Report) error {
	r.reports = append(r.reports, rep)
	return r.err
}

// TestRefusalReachesEveryReporter checks that a change whose units cannot
// be worked out is reported once to each reporter, the failed status
// before the reply, and that the outcome says why without an error.
func TestRefusalReachesEveryReporter(t *testing.T) {
	src := gittest.New(t, filepath.Join("..", "..", "testdata", "infra"))
	base := src.CommitAll("base")
	g, err := gitrepo.Open(src.Dir)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	first, second := &recorder{}, &recorder{}
	p := &Plan{Config: &config.Config{}, Reporters: []Reporter{first, second}}
	change := Change{Repo: "csoc/infra", PR: 7, HeadSHA: "0123456789abcdef"}
	out, err := p.Run(context.Background(), PlanRequest{
		Change: change, Repo: g, Detector: detect.New(g, detect.Options{Root: src.Dir}),
		Base: base, Head: "no-such-revision", Root: src.Dir,
	})
	if err != nil || out.Refused == nil || !strings.Contains(out.Refused.Error(), "no-such-revision") {
		t.Fatalf("Run = %+v, %v; want the refusal in the outcome and no error", out, err)
	}
	for name, r := range map[string]*recorder{"first": first, "second": second} {
		if len(r.reports) != 2 {
			t.Fatalf("the %s reporter got %d reports, want 2", name, len(r.reports))
		}
		st, reply := r.reports[0], r.reports[1]
		if st.Comment != nil || len(st.Statuses) != 1 || st.Statuses[0] != (Status{Kind: PlanStatus, State: Failure, Description: "Configuration error"}) {
			t.Errorf("the %s reporter's first report is %+v, want the failed plan status", name, st)
		}
		if reply.Comment == nil || reply.Comment.Plan || !strings.Contains(reply.Comment.Markdown, "could not work out which units") || reply.Change != change {
			t.Errorf("the %s reporter's second report is %+v, want the reply", name, reply)
		}
	}
}

// TestReportJoinsReporterErrors checks that a reporter that fails does
// not keep the others from the report, and that its error is returned.
func TestReportJoinsReporterErrors(t *testing.T) {
	broken := &recorder{err: errors.New("slack is down")}
	ok := &recorder{}
	err := report(context.Background(), []Reporter{broken, ok}, Report{Comment: &Comment{Markdown: "x", Plan: true}})
	if err == nil || !strings.Contains(err.Error(), "slack is down") {
		t.Errorf("report = %v, want the failing reporter's error", err)
	}
	if len(ok.reports) != 1 {
		t.Errorf("the working reporter got %d reports, want 1", len(ok.reports))
	}
}
