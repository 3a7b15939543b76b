package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/csocbot/csocbot/internal/fakegithub"
	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/planner/tfrun"
	"github.com/csocbot/csocbot/store"
	"github.com/csocbot/csocbot/store/sqlite"
)

// slowRoot is a plain root whose apply takes half a minute, and leaves a
// mark when it has started.
const slowRoot = "terraform/slow"

// crashServer is a real csocbot serve process, against the fake GitHub
// and the repository served over HTTPS, on one store.
type crashServer struct {
	t       *testing.T
	bin     string
	config  string
	env     []string
	addr    string
	secret  string
	cmd     *exec.Cmd
	stderr  *bytes.Buffer
	exited  chan struct{}
	fake    *fakegithub.Server
	repo    string
	pr      int
	head    string
	dataDir string
	mark    string      // made when terraform starts applying slowRoot
	st      store.Store // the process's store, read alongside
	waitErr error       // how the process exited, once exited is closed
}

// TestServeKilledDuringAnApply kills a real csocbot serve process (kill
// -9) while terraform applies, and starts it again on the same store: the
// run is interrupted, its lock stays held, the pull request is told what
// was being applied and what to do, the audit log records the
// interruption, the apply statuses turn to error, and nothing is applied
// again by itself.
func TestServeKilledDuringAnApply(t *testing.T) {
	s := startSlowApply(t, 30*time.Second, "")
	ctx, st, repo, pr, head := context.Background(), s.st, s.repo, s.pr, s.head
	s.kill()

	s.start()
	s.waitFor("the interruption comment", func() bool { return s.commentSaying("csocbot stopped while it was running a `apply` job") != "" })
	reply := s.commentSaying("csocbot stopped while it was running a `apply` job")
	for _, want := range []string{"does not run it again by itself", "It was applying `" + slowRoot + "`", "partly applied", "lock stays held", "plan again"} {
		if !strings.Contains(reply, want) {
			t.Errorf("the interruption comment lacks %q:\n%s", want, reply)
		}
	}
	if got := s.runState(); got != store.RunInterrupted {
		t.Errorf("the run is %q, want interrupted", got)
	}
	locks, err := st.Locks(ctx, repo)
	if err != nil || len(locks) != 1 || locks[0].Unit != slowRoot || locks[0].PR != pr {
		t.Errorf("locks after the restart: %+v (%v); want %s still held by #%d", locks, err, slowRoot, pr)
	}
	statuses := s.fake.Statuses(repo, head)
	for _, context := range []string{"csocbot/apply", "csocbot/apply: " + slowRoot} {
		if st, ok := newestStatus(statuses, context); !ok || st.State != "error" {
			t.Errorf("status %s: %+v (found %v), want error", context, st, ok)
		}
	}

	// Nothing applies again by itself: no apply job is left to run, and
	// after a few polls of the queue there is still one apply_started.
	jobs, err := st.ListJobs(ctx, store.JobFilter{States: []store.JobState{store.JobQueued, store.JobRunning}})
	if err != nil || len(jobs) != 0 {
		t.Errorf("active jobs after the restart: %+v (%v)", jobs, err)
	}
	time.Sleep(3 * time.Second) // the workers poll the queue every second
	if got, want := s.auditOf(slowRoot), "plan:ok apply_started: interrupted:interrupted"; !strings.HasSuffix(got, want) || strings.Count(got, "apply_started") != 1 {
		t.Errorf("audit of %s: %s; want it to end %s, with one apply_started", slowRoot, got, want)
	}
	var v store.AuditVerifier
	if err := st.AuditChain(ctx, v.Add); err != nil {
		t.Errorf("the audit chain does not verify after the crash: %v", err)
	}
	s.stop()
}

// startSlowApply starts a real csocbot serve process, with
// apply.shutdown_grace set to grace unless it is "", on a pull request
// whose slowRoot takes takes to apply; it has the process plan the pull
// request and apply slowRoot, and returns once terraform is applying.
func startSlowApply(t *testing.T, takes time.Duration, grace string) *crashServer {
	t.Helper()
	e := newServeEnv(t, func(src *gittest.Repo, mark string) {
		src.Write(slowRoot+"/main.tf", fmt.Sprintf("resource \"terraform_data\" \"slow\" {\n  provisioner \"local-exec\" {\n    command = \"touch %s && sleep %d\"\n  }\n}\n", mark, int(takes.Seconds())))
	})
	extra := ""
	if grace != "" {
		extra = "apply:\n  enabled: true\n  requirements: [fresh_plan]\n  shutdown_grace: " + grace + "\n"
	}
	s := e.process("data", extra)
	s.start()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(s.dataDir, "csocbot.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s.st = st
	s.open()
	s.waitFor("the plan comment", func() bool { return s.commentSaying("csocbot plan for") != "" })
	if !strings.Contains(s.commentSaying("csocbot plan for"), "`"+slowRoot+"`") {
		t.Fatalf("the plan does not list %s:\n%s", slowRoot, s.commentSaying("csocbot plan for"))
	}
	s.commentApply("apply", slowRoot)
	s.waitFor("terraform to be applying", func() bool {
		_, err := os.Stat(s.mark)
		return err == nil && s.runState() == store.RunApplying
	})
	return s
}

// buildBinary builds csocbot once for the test binary's tests that run
// it as a process; TestMain removes it.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "csocbot-test-bin-")
	if err != nil {
		return "", err
	}
	builtDir.Store(&dir)
	bin := filepath.Join(dir, "csocbot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("%w\n%s", err, out)
	}
	return bin, nil
})

// builtDir is the folder of the binary buildBinary built, if it did.
var builtDir atomic.Pointer[string]

func removeBuiltBinary() {
	if dir := builtDir.Load(); dir != nil {
		os.RemoveAll(*dir)
	}
}

// serveEnv is what real csocbot serve processes run against: the
// binary, the fake GitHub and the repository behind one HTTPS address
// (as GitHub Enterprise Server serves them: api_url must be https), and
// a pull request whose head change adds.
type serveEnv struct {
	t      *testing.T
	work   string
	bin    string
	env    []string
	secret string
	fake   *fakegithub.Server
	front  string // the HTTPS address of GitHub and the repository
	cli    string // the empty terraform CLI configuration
	repo   string
	pr     int
	base   string
	head   string
	mark   string // a path change's code may create, to say it ran
	src    *gittest.Repo
}

// newServeEnv builds csocbot and serves the sample infra repository
// with a pull request whose head is what change writes (it may use
// mark) on top of it.
func newServeEnv(t *testing.T, change func(src *gittest.Repo, mark string)) *serveEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("builds csocbot and runs it for real")
	}
	if _, err := tfrun.Find(context.Background(), tfrun.FindOptions{}); err != nil {
		t.Skipf("no terraform: %v", err)
	}
	work := t.TempDir()
	bin, err := buildBinary()
	if err != nil {
		t.Skipf("could not build csocbot: %v", err)
	}
	mark := filepath.Join(work, "mark")

	const token, secret = "ghp_crash", "crash-secret"
	src := gittest.New(t, filepath.Join("..", "..", "testdata", "infra"))
	base := src.CommitAll("base")
	src.Git("checkout", "-q", "-b", "change")
	change(src, mark)
	head := src.CommitAll("the change")
	src.Git("checkout", "-q", "main")
	src.Git("update-ref", "refs/pull/2/head", head)

	gitRoot := t.TempDir()
	os.Mkdir(filepath.Join(gitRoot, "Codertocat"), 0o755)
	if err := os.Symlink(filepath.Join(src.Dir, ".git"), filepath.Join(gitRoot, "Codertocat", "Hello-World.git")); err != nil {
		t.Fatal(err)
	}
	gitSrv := tokenGitServer(t, gitRoot, token)
	fake := fakegithub.New(t)
	fake.AddToken(token, "csocbot-bot")
	repo, pr := fake.LoadPullRequest("pull_request/opened.payload.json")
	fake.EditPullRequest(repo, pr, func(m map[string]any) {
		m["head"].(map[string]any)["sha"] = head
		m["base"].(map[string]any)["sha"] = base
		m["base"].(map[string]any)["ref"] = "main"
	})
	fake.SetPermission(repo, "alice", "write")
	apiProxy := httputil.NewSingleHostReverseProxy(mustURL(t, fake.URL()))
	gitProxy := httputil.NewSingleHostReverseProxy(mustURL(t, gitSrv.URL))
	front := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			apiProxy.ServeHTTP(w, r)
			return
		}
		gitProxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	caFile := filepath.Join(work, "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: front.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	cli := filepath.Join(work, "terraformrc")
	os.WriteFile(cli, nil, 0o644)
	return &serveEnv{
		t: t, work: work, bin: bin, secret: secret, fake: fake, front: front.URL, cli: cli,
		repo: repo, pr: pr, base: base, head: head, mark: mark, src: src,
		env: append(os.Environ(), "CSOCBOT_GITHUB_TOKEN="+token, "CSOCBOT_WEBHOOK_SECRET="+secret,
			"CSOCBOT_PLAN_KEYS=test:"+base64.StdEncoding.EncodeToString(key), "SSL_CERT_FILE="+caFile),
	}
}

// process configures, without starting it, a csocbot serve process on
// a free port with its data under the folder name; extra ends its
// configuration.
func (e *serveEnv) process(name, extra string) *crashServer {
	e.t.Helper()
	addr := freeAddr(e.t)
	dataDir := filepath.Join(e.work, name)
	config := filepath.Join(e.work, name+".yaml")
	yaml := "listen: " + addr + "\ndata_dir: " + dataDir + "\nworkers: 1\n" + `github:
  api_url: ` + e.front + `/api/v3/
  token_env: CSOCBOT_GITHUB_TOKEN
  webhook_secret_env: CSOCBOT_WEBHOOK_SECRET
repositories:
  - name: Codertocat/Hello-World
    kind: infra
sandbox:
  mode: off # what this machine allows is not the point here
terraform:
  cli_config_file: ` + e.cli + `
plan_encryption:
  key_env: CSOCBOT_PLAN_KEYS
` + extra
	if !strings.Contains(extra, "apply:") { // apply with the fresh plan only, unless extra says otherwise
		yaml += "apply:\n  enabled: true\n  requirements: [fresh_plan]\n"
	}
	if err := os.WriteFile(config, []byte(yaml), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return &crashServer{
		t: e.t, bin: e.bin, config: config, env: e.env, addr: addr, secret: e.secret, fake: e.fake,
		repo: e.repo, pr: e.pr, head: e.head, dataDir: dataDir, mark: e.mark,
	}
}

// push commits what change writes on top of the pull request's head,
// makes it the head on GitHub, and returns it; push delivers nothing.
func (e *serveEnv) push(change func(src *gittest.Repo)) string {
	e.src.Git("checkout", "-q", e.head)
	change(e.src)
	head := e.src.CommitAll("a push")
	e.src.Git("checkout", "-q", "main")
	e.src.Git("update-ref", "refs/pull/2/head", head)
	e.fake.EditPullRequest(e.repo, e.pr, func(m map[string]any) { m["head"].(map[string]any)["sha"] = head })
	e.head = head
	return head
}

// open delivers the pull request's opened webhook.
func (s *crashServer) open() {
	s.deliver("pull_request", "open", s.payload("pull_request/opened.payload.json", func(m map[string]any) {
		m["pull_request"].(map[string]any)["head"].(map[string]any)["sha"] = s.head
		m["pull_request"].(map[string]any)["base"].(map[string]any)["ref"] = "main"
	}))
}

// synchronize delivers the webhook of a push of head, with delivery id.
func (s *crashServer) synchronize(id, head string) {
	s.deliver("pull_request", id, s.payload("pull_request/synchronize.payload.json", func(m map[string]any) {
		m["pull_request"].(map[string]any)["head"].(map[string]any)["sha"] = head
		m["pull_request"].(map[string]any)["base"].(map[string]any)["ref"] = "main"
		m["after"] = head
	}))
}

// commentApply has alice comment `csocbot apply -u unit` and delivers
// the comment's webhook with delivery id.
func (s *crashServer) commentApply(id, unit string) {
	posted := s.fake.AddComment(s.repo, s.pr, "alice", "csocbot apply -u "+unit)
	s.deliver("issue_comment", id, s.payload("issue_comment/created.payload.json", func(m map[string]any) {
		m["issue"].(map[string]any)["pull_request"] = map[string]any{"url": "x"}
		m["issue"].(map[string]any)["number"] = float64(s.pr)
		c := m["comment"].(map[string]any)
		c["body"], c["id"] = posted.Body, float64(posted.ID)
		c["user"].(map[string]any)["login"] = "alice"
	}))
}

// runState is slowRoot's run's state at the head, "" when it has none.
func (s *crashServer) runState() store.RunState {
	runs, _ := s.st.Runs(context.Background(), s.repo, s.pr, s.head)
	for _, r := range runs {
		if r.Unit == slowRoot {
			return r.State
		}
	}
	return ""
}

// start starts csocbot serve and waits until it is ready.
func (s *crashServer) start() {
	s.t.Helper()
	s.stderr = &bytes.Buffer{}
	s.cmd = exec.Command(s.bin, "serve", "--config", s.config)
	s.cmd.Env = s.env
	s.cmd.Stderr, s.cmd.Stdout = s.stderr, s.stderr
	// Its own process group, so that the kill takes terraform with it,
	// as the end of a container or pod does.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.exited = make(chan struct{})
	go func() { s.waitErr = s.cmd.Wait(); close(s.exited) }()
	s.t.Cleanup(s.kill)
	s.waitFor("csocbot to be ready", func() bool {
		resp, err := http.Get("http://" + s.addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// kill kills the process and everything it started with SIGKILL.
func (s *crashServer) kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.exited:
		return
	default:
	}
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.exited
}

// stop stops the process cleanly.
func (s *crashServer) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.kill()
	}
}

func (s *crashServer) waitFor(what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		select {
		case <-s.exited:
			s.t.Fatalf("csocbot exited while waiting for %s:\n%s", what, s.stderr)
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("timed out waiting for %s; csocbot said:\n%s", what, s.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// payload is a webhook fixture, edited.
func (s *crashServer) payload(name string, edit func(map[string]any)) []byte {
	s.t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "github-webhooks", name))
	if err != nil {
		s.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		s.t.Fatal(err)
	}
	edit(m)
	if b, err = json.Marshal(m); err != nil {
		s.t.Fatal(err)
	}
	return b
}

// deliver posts a signed webhook to the process.
func (s *crashServer) deliver(event, id string, body []byte) {
	s.t.Helper()
	mac := hmac.New(sha256.New, []byte(s.secret))
	mac.Write(body)
	req, err := http.NewRequest(http.MethodPost, "http://"+s.addr+"/events", bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", id)
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		s.t.Fatalf("the %s webhook was answered %s", event, resp.Status)
	}
}

// commentSaying is the first comment on the pull request containing
// part, or "".
func (s *crashServer) commentSaying(part string) string {
	for _, c := range s.fake.Comments(s.repo, s.pr) {
		if strings.Contains(c.Body, part) {
			return c.Body
		}
	}
	return ""
}

// newestStatus is the newest status with context; GitHub lists the newest
// first.
func newestStatus(statuses []fakegithub.Status, context string) (fakegithub.Status, bool) {
	for _, s := range statuses {
		if s.Context == context {
			return s, true
		}
	}
	return fakegithub.Status{}, false
}

// freeAddr is a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(fmt.Errorf("parse %s: %w", s, err))
	}
	return u
}
