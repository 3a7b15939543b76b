// Package pgtest runs a throwaway PostgreSQL server for a test binary, so
// that tests of the PostgreSQL store run against the real thing.
//
// A package's TestMain calls [Main]; its tests call [NewDatabase] for a
// fresh database each. The first call starts one server for the whole
// binary: initdb into a temporary directory, then postgres listening on
// 127.0.0.1 only, on a free port, with trust authentication, no Unix
// socket and fsync off (the data is thrown away). Main stops it and removes
// its directory. Run as root, as in CI containers, the server runs as the
// postgres system user, since initdb refuses root.
//
// Without PostgreSQL's server binaries on PATH or under
// /usr/lib/postgresql/*/bin (Debian's place for them), the tests skip.
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Main runs m's tests, stops the server if a test started it, and exits.
// A test package that calls NewDatabase calls it, or Run, from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run is Main without the exit, for a TestMain with more to clean up: it
// returns the exit code.
func Run(m *testing.M) int {
	mainCalled.Store(true)
	code := m.Run()
	if err := stop(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

var (
	mainCalled atomic.Bool

	mu     sync.Mutex
	srv    *server // the running server, nil before the first NewDatabase
	srvErr error   // why it could not start; every later test fails with it
	dbSeq  atomic.Int64
)

// errNoBinaries is why tests skip on a machine without PostgreSQL.
var errNoBinaries = errors.New("PostgreSQL's server binaries (initdb, postgres) are not on PATH or under /usr/lib/postgresql/*/bin; " +
	"install them (apt-get install postgresql, as .ci/run does) to run the PostgreSQL tests")

// NewDatabase creates an empty database on the test binary's server,
// starting the server on first use, and returns its URL. The database is
// dropped in the background once t ends; Main waits for the drops. Without
// PostgreSQL on the machine, t skips.
func NewDatabase(t testing.TB) string {
	t.Helper()
	if !mainCalled.Load() {
		t.Fatal("pgtest: the package's TestMain must call pgtest.Main, which stops the server")
	}
	s, err := running()
	switch {
	case errors.Is(err, errNoBinaries):
		t.Skip(err)
	case err != nil:
		t.Fatal(err)
	}
	name := "t" + strconv.FormatInt(dbSeq.Add(1), 10)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.admin(ctx, `CREATE DATABASE `+name+s.createOptions); err != nil {
		t.Fatalf("pgtest: creating database %s: %v", name, err)
	}
	// The next test need not wait for the drop; Main does.
	t.Cleanup(func() { s.drops.Go(func() { s.drop(name) }) })
	return s.url(name)
}

// drop drops the database name, recording any error for stop.
func (s *server) drop(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// FORCE ends the connections a test left open.
	if err := s.admin(ctx, `DROP DATABASE `+name+` WITH (FORCE)`); err != nil {
		s.dropMu.Lock()
		defer s.dropMu.Unlock()
		s.dropErrs = append(s.dropErrs, fmt.Errorf("dropping database %s: %w", name, err))
	}
}

// running returns the server, starting it on first use.
func running() (*server, error) {
	mu.Lock()
	defer mu.Unlock()
	if srv == nil && srvErr == nil {
		srv, srvErr = start()
	}
	return srv, srvErr
}

// stop stops the server if it runs.
func stop() error {
	mu.Lock()
	defer mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.stop()
	srv = nil
	return err
}

// server is a running postgres process and its temporary directory.
type server struct {
	dir    string
	port   int
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
	log    *bytes.Buffer // the server's output, for errors
	// createOptions end CREATE DATABASE: from PostgreSQL 15, FILE_COPY
	// copies the template's files, twice as fast as WAL-logging them.
	createOptions string

	drops    sync.WaitGroup // the drops of databases whose test ended
	dropMu   sync.Mutex
	dropErrs []error
}

func (s *server) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, db)
}

// admin runs one statement on the postgres database.
func (s *server) admin(ctx context.Context, stmt string) error {
	conn, err := pgx.Connect(ctx, s.url("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, stmt)
	return err
}

// version returns the server's version number, such as 150018.
func (s *server) version(ctx context.Context) (int, error) {
	conn, err := pgx.Connect(ctx, s.url("postgres"))
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	var v int
	err = conn.QueryRow(ctx, `SELECT current_setting('server_version_num')::int`).Scan(&v)
	return v, err
}

// startAttempts bounds the tries at a free port: another process may take
// the port between choosing it and the server binding it.
const startAttempts = 3

// start creates a cluster in a temporary directory and starts a server on
// it.
func start() (*server, error) {
	bin, err := findBinaries(debianBinaries)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	asUser, err := serverUser(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	asUser(initdb)
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}
	for attempt := 1; ; attempt++ {
		s, err := launch(bin, dir, asUser)
		if err == nil || attempt == startAttempts {
			if err != nil {
				os.RemoveAll(dir)
			}
			return s, err
		}
	}
}

// launch starts postgres on the cluster in dir, on a free port, and waits
// until it accepts connections.
func launch(bin, dir string, asUser func(*exec.Cmd)) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir, port: port, exited: make(chan struct{}), log: new(bytes.Buffer)}
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", filepath.Join(dir, "data"),
		"-h", "127.0.0.1", "-p", strconv.Itoa(port),
		"-c", "unix_socket_directories=", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=200")
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	asUser(s.cmd)
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("pgtest: starting postgres: %w", err)
	}
	go func() { s.cmd.Wait(); close(s.exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		version, err := s.version(ctx)
		cancel()
		if err == nil {
			if version >= 150000 {
				s.createOptions = ` STRATEGY = FILE_COPY`
			}
			return s, nil
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("pgtest: postgres exited: %s", s.log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("pgtest: postgres did not accept connections within 30s: %w\n%s", err, s.log)
		}
	}
}

// stop waits for the databases' drops, shuts the server down (SIGINT:
// fast shutdown) and removes its directory. It returns the errors of the
// drops, which tests left connections open or failed to clean up.
func (s *server) stop() error {
	defer os.RemoveAll(s.dir)
	s.drops.Wait()
	err := errors.Join(s.dropErrs...)
	if s.cmd.Process.Signal(os.Interrupt) != nil {
		return err // already gone
	}
	select {
	case <-s.exited:
		return err
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
		return errors.Join(err, errors.New("postgres did not stop within 30s; killed it"))
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// debianBinaries holds Debian's PostgreSQL versions, each with a bin
// directory, off PATH.
const debianBinaries = "/usr/lib/postgresql"

// findBinaries returns the directory of initdb and postgres: initdb's on
// PATH, or else the newest <debian>/<version>/bin.
func findBinaries(debian string) (string, error) {
	var dirs []string
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			dirs = append(dirs, filepath.Dir(real))
		}
		dirs = append(dirs, filepath.Dir(p))
	}
	versions, _ := filepath.Glob(filepath.Join(debian, "*", "bin"))
	slices.SortFunc(versions, func(a, b string) int { return versionOf(b) - versionOf(a) })
	dirs = append(dirs, versions...)
	for _, d := range dirs {
		if isFile(filepath.Join(d, "initdb")) && isFile(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", errNoBinaries
}

// versionOf is the major version in <debian>/<version>/bin.
func versionOf(bin string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(bin)))
	return v
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}
