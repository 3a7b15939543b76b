package pgtest

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
)

// serverUser returns how to run initdb and postgres on the cluster in
// dir. As root it hands dir to the postgres system user and runs them as
// that user, as initdb and postgres refuse root. Either way the server
// dies with the test binary, so a test run killed midway leaves no server
// behind.
func serverUser(dir string) (func(*exec.Cmd), error) {
	attr := syscall.SysProcAttr{Pdeathsig: syscall.SIGQUIT} // SIGQUIT: immediate shutdown
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("pgtest: running as root, the server must run as the postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, fmt.Errorf("pgtest: %w", err)
		}
		attr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	return func(cmd *exec.Cmd) {
		a := attr
		cmd.SysProcAttr = &a
		// initdb and postgres start in their own directory; the test's may
		// not be readable by the postgres user.
		cmd.Dir = dir
	}, nil
}
