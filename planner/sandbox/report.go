package sandbox

import "fmt"

// Report says which protections this kernel and container allow.
type Report struct {
	// LandlockABI is the kernel's Landlock ABI version, 0 without Landlock.
	LandlockABI int
	// FileSystem is true when a launched program is confined to the
	// files of its policy.
	FileSystem bool
	// PIDNamespace is true when a launched program can run in a PID
	// namespace of its own.
	PIDNamespace bool
	// Network is true when a launched program's TCP connections can be
	// limited to configured ports (Landlock ABI 4 or later).
	Network bool
	// Problems say what is missing, why, and what that means.
	Problems []string
}

// String describes the report in one line, for logs and serve --check.
func (r Report) String() string {
	fsys := "no"
	if r.FileSystem {
		fsys = fmt.Sprintf("yes (Landlock ABI %d)", r.LandlockABI)
	}
	pidns := "no (leftover processes are killed by run ID)"
	if r.PIDNamespace {
		pidns = "yes"
	}
	network := "no (Landlock ABI 4 or later is needed)"
	if r.Network {
		network = "yes"
	}
	return fmt.Sprintf("file-system confinement: %s; PID namespace per run: %s; network limited to configured ports: %s", fsys, pidns, network)
}
