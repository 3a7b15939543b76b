//go:build !linux

package pgtest

import (
	"errors"
	"os"
	"os/exec"
)

// serverUser returns how to run initdb and postgres on the cluster in
// dir: as the current user, which must not be root.
func serverUser(dir string) (func(*exec.Cmd), error) {
	if os.Geteuid() == 0 {
		return nil, errors.New("pgtest: initdb refuses to run as root; run the tests as another user")
	}
	return func(cmd *exec.Cmd) { cmd.Dir = dir }, nil
}
