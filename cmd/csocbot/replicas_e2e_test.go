package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/internal/pgtest"
	"github.com/csocbot/csocbot/store"
	"github.com/csocbot/csocbot/store/postgres"
)

// replicas are real csocbot serve processes sharing one throwaway
// PostgreSQL database, as replicas of one Deployment do.
type replicas struct {
	env   *serveEnv
	url   string
	st    store.Store // the database, read alongside
	procs []*crashServer
}

// startReplicas starts n csocbot serve processes on one new database,
// with a short job lease so that a killed replica's jobs are taken over
// within seconds; change writes the pull request's head (see
// newServeEnv).
func startReplicas(t *testing.T, n int, change func(src *gittest.Repo, mark string)) *replicas {
	t.Helper()
	e := newServeEnv(t, change)
	r := &replicas{env: e, url: pgtest.NewDatabase(t)}
	urlFile := e.work + "/postgres-url"
	if err := os.WriteFile(urlFile, []byte(r.url), 0o600); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		p := e.process(fmt.Sprintf("replica-%d", i), "store:\n  driver: postgres\n  url_file: "+urlFile+"\n  lease: 3s\n")
		r.procs = append(r.procs, p)
	}
	st, err := postgres.Open(t.Context(), r.url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r.st = st
	for _, p := range r.procs {
		p.st = st
	}
	return r
}

// jobs are the pull request's jobs of kind, newest first.
func (r *replicas) jobs(t *testing.T, kind store.Kind) []store.Job {
	t.Helper()
	all, err := r.st.ListJobs(context.Background(), store.JobFilter{Key: store.PullRequestKey(r.env.repo, r.env.pr)})
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Job
	for _, j := range all {
		if j.Kind == kind {
			out = append(out, j)
		}
	}
	return out
}

// countComments counts the pull request's comments containing part.
func (r *replicas) countComments(part string) int {
	n := 0
	for _, c := range r.env.fake.Comments(r.env.repo, r.env.pr) {
		if strings.Contains(c.Body, part) {
			n++
		}
	}
	return n
}

// settled waits, while p runs, until no job of the pull request is
// queued or running.
func (r *replicas) settled(t *testing.T, p *crashServer) {
	t.Helper()
	p.waitFor("the jobs to finish", func() bool {
		for _, j := range append(r.jobs(t, store.KindPlan), r.jobs(t, store.KindApply)...) {
			if j.State == store.JobQueued || j.State == store.JobRunning {
				return false
			}
		}
		return true
	})
}

// TestReplicasRunAWebhookOnce posts the same webhook delivery to two
// replicas at once: one job is queued, one plan runs, one comment is
// posted.
func TestReplicasRunAWebhookOnce(t *testing.T) {
	r := startReplicas(t, 2, func(src *gittest.Repo, mark string) {
		src.Write("terraform/quick/main.tf", "resource \"terraform_data\" \"quick\" {}\n")
	})
	for _, p := range r.procs {
		p.start()
	}
	var wg sync.WaitGroup
	for _, p := range r.procs {
		wg.Go(p.open)
	}
	wg.Wait()
	r.procs[0].waitFor("the plan comment", func() bool { return r.countComments("csocbot plan for") > 0 })
	r.settled(t, r.procs[0])
	if n := len(r.jobs(t, store.KindPlan)); n != 1 {
		t.Errorf("%d plan jobs for one delivery, want 1", n)
	}
	if n := r.countComments("csocbot plan for"); n != 1 {
		t.Errorf("%d plan comments for one delivery, want 1", n)
	}
}

// TestReplicasApplyOnce gives two apply comments at once, each to
// another replica: the unit is applied once, and the second apply finds
// nothing left to apply.
func TestReplicasApplyOnce(t *testing.T) {
	r := startReplicas(t, 2, func(src *gittest.Repo, mark string) {
		// Each apply appends a line to mark, and takes long enough for
		// the other comment to arrive while it runs.
		src.Write(slowRoot+"/main.tf", fmt.Sprintf("resource \"terraform_data\" \"slow\" {\n  provisioner \"local-exec\" {\n    command = \"echo applied >> %s && sleep 2\"\n  }\n}\n", mark))
	})
	for _, p := range r.procs {
		p.start()
	}
	r.procs[0].open()
	r.procs[0].waitFor("the plan comment", func() bool { return r.countComments("csocbot plan for") > 0 })
	r.settled(t, r.procs[0])

	var wg sync.WaitGroup
	for i, p := range r.procs {
		wg.Go(func() { p.commentApply(fmt.Sprintf("apply-%d", i), slowRoot) })
	}
	wg.Wait()
	r.procs[0].waitFor("both applies to run", func() bool {
		jobs := r.jobs(t, store.KindApply)
		return len(jobs) == 2 && jobs[0].State != store.JobQueued && jobs[0].State != store.JobRunning &&
			jobs[1].State != store.JobQueued && jobs[1].State != store.JobRunning
	})
	data, err := os.ReadFile(r.env.mark)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "applied"); n != 1 {
		t.Errorf("terraform applied %s %d times, want once", slowRoot, n)
	}
	if got := r.procs[0].auditOf(slowRoot); strings.Count(got, "apply_finished:ok") != 1 {
		t.Errorf("audit of %s: %s; want one finished apply", slowRoot, got)
	}
}

// TestReplicaKilledMidPlan kills the replica running a plan (kill -9)
// while terraform plans: the other replica takes the plan over once the
// lease ends, and the pull request gets its plan.
func TestReplicaKilledMidPlan(t *testing.T) {
	state := newStateServer(t)
	r := startReplicas(t, 2, func(src *gittest.Repo, mark string) { src.Write(stateUnit+"/main.tf", state.config()) })
	first, second := r.procs[0], r.procs[1]
	first.start()
	first.open()
	state.waitHung(first)
	second.start()
	first.kill()

	second.waitFor("the plan comment", func() bool { return r.countComments("csocbot plan for") > 0 })
	plan := second.commentSaying("csocbot plan for")
	if !strings.Contains(plan, "`"+stateUnit+"`") {
		t.Errorf("the plan does not list %s:\n%s", stateUnit, plan)
	}
	r.settled(t, second)
	jobs := r.jobs(t, store.KindPlan)
	if len(jobs) != 1 || jobs[0].State != store.JobDone || jobs[0].Attempts != 2 {
		t.Errorf("plan jobs = %+v, want one done after 2 attempts", jobs)
	}
}

// TestReplicaStopsASupersededPlan pushes to a pull request, through one
// replica, while another plans its previous head: the other stops its
// stale plan at its next lease renewal, and the new head is planned.
func TestReplicaStopsASupersededPlan(t *testing.T) {
	state := newStateServer(t)
	r := startReplicas(t, 2, func(src *gittest.Repo, mark string) { src.Write(stateUnit+"/main.tf", state.config()) })
	planning, other := r.procs[0], r.procs[1]
	planning.start()
	planning.open()
	state.waitHung(planning)
	other.start()
	head := r.env.push(func(src *gittest.Repo) { src.Append(stateUnit+"/main.tf", "# pushed\n") })
	other.synchronize("push", head)

	select {
	case <-state.released:
	case <-time.After(30 * time.Second):
		t.Fatalf("the superseded plan still runs 30 s after the push:\n%s", planning.stderr)
	}
	other.waitFor("the new head's plan status", func() bool {
		st, ok := newestStatus(r.env.fake.Statuses(r.env.repo, head), "csocbot/plan")
		return ok && st.State == "success"
	})
	if !strings.Contains(planning.stderr.String(), "no longer this worker") {
		t.Errorf("the planning replica does not say why it stopped:\n%s", planning.stderr)
	}
}

// stateUnit is a plain root whose plan reads a stateServer.
const stateUnit = "terraform/reads-state"

// stateServer serves the state a unit's terraform_remote_state reads
// during its plan: the first read hangs until the plan is stopped (its
// replica killed, or the plan cancelled), holding that plan; the next
// ones answer at once.
type stateServer struct {
	url      string
	hung     chan struct{} // closed when the first read arrives
	released chan struct{} // closed when the first read's plan stopped
}

func newStateServer(t *testing.T) *stateServer {
	s := &stateServer{hung: make(chan struct{}), released: make(chan struct{})}
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		first := false
		once.Do(func() { first = true })
		if first {
			close(s.hung)
			<-req.Context().Done()
			close(s.released)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"version":4,"terraform_version":"1.5.0","serial":1,"lineage":"l","outputs":{"vpc_id":{"value":"vpc-1","type":"string"}},"resources":[]}`)
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// config is stateUnit's main.tf.
func (s *stateServer) config() string {
	return `data "terraform_remote_state" "net" {
  backend = "http"
  config = { address = "` + s.url + `/state" }
}

resource "terraform_data" "uses" {
  input = data.terraform_remote_state.net.outputs.vpc_id
}
`
}

// waitHung waits until p's plan holds the first read.
func (s *stateServer) waitHung(p *crashServer) {
	p.t.Helper()
	select {
	case <-s.hung:
	case <-time.After(2 * time.Minute):
		p.t.Fatalf("the replica never started planning:\n%s", p.stderr)
	}
}
