package server

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/planner/tfrun"
	"github.com/csocbot/csocbot/store"
)

// BenchmarkCommentToApply measures, for 1 and 10 independent plain roots
// (terraform_data, local state), the time from a signed `csocbot apply`
// comment webhook to the apply's reply on the fake GitHub, next to raw
// `terraform apply <saved plan>` of the same plans one after another, in
// the directories they were planned in, from the same empty state, in the
// same run; ratio is the first over the second.
//
//	go test -run '^$' -bench BenchmarkCommentToApply -benchtime=3x ./server/
func BenchmarkCommentToApply(b *testing.B) {
	for _, n := range []int{1, 10} {
		b.Run(fmt.Sprintf("units=%d", n), func(b *testing.B) { benchmarkCommentToApply(b, n) })
	}
}

func benchmarkCommentToApply(b *testing.B, n int) {
	bin, err := tfrun.Find(context.Background(), tfrun.FindOptions{})
	if err != nil {
		b.Skipf("no terraform: %v", err)
	}
	var reply, raw time.Duration
	for i := range b.N {
		b.StopTimer()
		e := newE2EWith(b, e2eOptions{
			config: "apply: {enabled: true, requirements: [fresh_plan]}\n",
			sealer: testKeys(b),
			prChange: func(src *gittest.Repo) {
				for u := range n {
					src.Write(fmt.Sprintf("terraform/bench/unit-%02d/main.tf", u), `resource "terraform_data" "r" {
  count = 5
  input = "unit-`+fmt.Sprint(u)+`-${count.index}"
}
output "ids" { value = terraform_data.r[*].id }
`)
				}
			},
		})
		e.gh.SetPermission(e.repo, "alice", "write")
		e.start()
		post(b, e.srv.Handler(), delivery{event: "pull_request", id: fmt.Sprintf("bench-open-%d", i), body: e.openedPayload()})
		e.waitFor("the plan comment", func() bool { return len(e.planComments()) > 0 })
		b.StartTimer()

		start := time.Now()
		e.postComment("alice", "csocbot apply -d terraform/bench")
		for e.commentSaying("csocbot apply of") == "" {
			time.Sleep(2 * time.Millisecond)
		}
		reply += time.Since(start)
		b.StopTimer()
		if r := e.commentSaying("csocbot apply of"); strings.Count(r, "✅ applied") != n {
			b.Fatalf("want %d units applied:\n%s", n, r)
		}
		e.stop()
		b.StartTimer()

		// The baseline applies the same saved plans, in the folders they
		// were planned in, which hold no state.
		runs, err := e.st.Runs(context.Background(), e.repo, e.pr, e.headSHA)
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		applied := 0
		for _, r := range runs {
			if !strings.HasPrefix(r.Unit, "terraform/bench/") || r.State != store.RunApplied {
				continue
			}
			cmd := exec.Command(bin.Path, "apply", "-input=false", "-auto-approve", "-no-color", r.PlanPath)
			cmd.Dir = filepath.Join(filepath.Dir(r.PlanPath), "src", filepath.FromSlash(r.Unit))
			cmd.Env = append(os.Environ(), "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("raw apply of %s: %v\n%s", r.Unit, err, out)
			}
			applied++
		}
		raw += time.Since(start)
		if applied != n {
			b.Fatalf("the baseline applied %d units, want %d", applied, n)
		}
	}
	b.ReportMetric(float64(reply.Milliseconds())/float64(b.N), "comment-to-reply-ms/op")
	b.ReportMetric(float64(raw.Milliseconds())/float64(b.N), "raw-ms/op")
	b.ReportMetric(reply.Seconds()/raw.Seconds(), "ratio")
}
