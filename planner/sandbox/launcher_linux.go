package sandbox

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"sync"
	"syscall"

	"github.com/landlock-lsm/go-landlock/landlock"
	llsyscall "github.com/landlock-lsm/go-landlock/landlock/syscall"
)

// launcherFailed is the exit status of a launcher that could not start
// its program, as a shell reports a command it could not execute.
const launcherFailed = 126

// Main runs the launcher and exits when this process was started as one
// (or as a probe); otherwise it returns at once. The csocbot binary calls
// it first thing in main, and so do the TestMain functions of packages
// whose tests run sandboxed programs.
func Main() {
	p, ok, err := readPolicy()
	if !ok {
		if _, ok := os.LookupEnv(probeVar); ok {
			os.Exit(probeChild())
		}
		return
	}
	if err == nil {
		var code int
		code, err = launch(p, os.Args[1:])
		if err == nil {
			os.Exit(code)
		}
	}
	fmt.Fprintf(os.Stderr, "csocbot sandbox: %v\n", err)
	os.Exit(launcherFailed)
}

// launch restricts this process to p and runs the program with args,
// forwarding signals to it, and returns its exit status.
func launch(p Policy, args []string) (int, error) {
	if err := restrict(p); err != nil {
		return 0, err
	}
	cmd := exec.Command(p.Program, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if p.PIDNamespace {
		namespaceFlags(cmd.SysProcAttr)
	}
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	defer signal.Stop(signals)
	// Pdeathsig fires when the thread that started the child ends, and
	// without Landlock's thread synchronisation (ABI 8) every thread is
	// a Landlock domain of its own that may signal only its own children:
	// start the child and forward signals from one locked thread.
	runtime.LockOSThread()
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("starting %s: %w", p.Program, err)
	}
	exited := make(chan error, 1)
	var waiter sync.WaitGroup
	waiter.Go(func() { exited <- cmd.Wait() })
	var err error
	for waiting := true; waiting; {
		select {
		case s := <-signals:
			_ = cmd.Process.Signal(s)
		case err = <-exited:
			waiting = false
		}
	}
	waiter.Wait()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), nil
		}
		return exit.ExitCode(), nil
	}
	return 0, fmt.Errorf("waiting for %s: %w", p.Program, err)
}

// namespaceFlags makes the child the first process of a new PID
// namespace: when it exits, the kernel kills everything it started.
// Without root, a user namespace that maps this user makes that allowed.
func namespaceFlags(attr *syscall.SysProcAttr) {
	attr.Cloneflags = syscall.CLONE_NEWPID
	if os.Getuid() == 0 {
		return
	}
	attr.Cloneflags |= syscall.CLONE_NEWUSER
	attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: os.Getuid(), HostID: os.Getuid(), Size: 1}}
	attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: os.Getgid(), HostID: os.Getgid(), Size: 1}}
}

// restrict confines this process and everything it will start to p with
// Landlock. It runs in the launcher, never in the first process of a PID
// namespace: libcap's psx, which applies it to every thread of a cgo
// build, never returns there. It fails rather than run unconfined when the kernel has no
// Landlock: go-landlock's best effort would silently do nothing there.
func restrict(p Policy) error {
	if abi, err := llsyscall.LandlockGetABIVersion(); err != nil || abi < 1 {
		return fmt.Errorf("Landlock is not available in this kernel (%v); run with sandbox: off only where pull requests are trusted", err)
	}
	rules := []landlock.Rule{
		landlock.ROFiles(p.Program),
		landlock.RWFiles(writableDevices...).IgnoreIfMissing(),
	}
	for _, path := range append(append([]string{}, SystemPaths...), p.Read...) {
		if rule, ok := readRule(path); ok {
			rules = append(rules, rule)
		}
	}
	if len(p.Write) > 0 {
		// Refer lets terraform move files between its folders, such as
		// a provider from the download folder into the plugin cache.
		rules = append(rules, landlock.RWDirs(p.Write...).WithRefer())
	}
	cfg := landlock.Config{HandledAccessFS: landlock.V7.HandledAccessFS, Scoped: landlock.V7.Scoped}
	if p.RestrictNetwork {
		cfg.HandledAccessNet = llsyscall.AccessNetConnectTCP
		for _, port := range p.ConnectPorts {
			rules = append(rules, landlock.ConnectTCP(port))
		}
	}
	if err := cfg.BestEffort().Restrict(rules...); err != nil {
		return fmt.Errorf("applying Landlock: %w", err)
	}
	return nil
}

// readRule grants read (and execute) access to path: to everything below
// it for a folder, to the file alone otherwise. Missing paths grant
// nothing.
func readRule(path string) (landlock.Rule, bool) {
	info, err := os.Stat(path)
	switch {
	case err != nil:
		return nil, false
	case info.IsDir():
		return landlock.RODirs(path), true
	}
	return landlock.ROFiles(path), true
}
