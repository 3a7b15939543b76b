// Package sandbox runs the programs csocbot starts on pull request content
// (terraform, tofu, terragrunt, their providers and everything they start)
// so that they see only their own run: its working directory, the provider
// plugin cache, the system files programs need and a private temporary
// directory. They cannot read the bot's data directory, configuration or
// secret files, other runs' files, or /proc of any process, theirs
// included; they cannot signal processes outside the sandbox; and, where
// the kernel allows a PID namespace, every process of the run is gone when
// its program exits.
//
// The restrictions are applied in a launcher: the csocbot binary itself,
// started with the run's policy in an environment variable, restricts its
// own process with Landlock (which every descendant inherits and none can
// lift), starts the program in a new PID namespace and waits for it. The
// server process is never restricted. Programs are started through the
// launcher by giving the launcher's path and environment to whatever runs
// them (terraform-exec, os/exec): see Policy.Command.
package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// policyVar carries a Policy from the bot to its launcher.
const policyVar = "CSOCBOT_SANDBOX_POLICY"

// Policy is what one sandboxed program may touch.
type Policy struct {
	// Program is the absolute path of the program to run.
	Program string `json:"program"`
	// Read are files and folders the program may read and execute, in
	// addition to SystemPaths.
	Read []string `json:"read,omitempty"`
	// Write are folders the program may read, write and execute in.
	Write []string `json:"write,omitempty"`
	// PIDNamespace starts the program as the first process of a new PID
	// namespace, so that everything it starts ends with it. The launcher
	// fails when the kernel refuses one; Probe says whether it does.
	PIDNamespace bool `json:"pid_namespace,omitempty"`
	// RestrictNetwork lets the program open TCP connections only to
	// ConnectPorts, so that it cannot reach the instance metadata service
	// (port 80) or anything else the operator did not expect. It needs
	// Landlock ABI 4; Probe says whether the kernel has it.
	RestrictNetwork bool     `json:"restrict_network,omitempty"`
	ConnectPorts    []uint16 `json:"connect_ports,omitempty"`
}

// SystemPaths are the read-only files and folders every program needs:
// binaries and libraries, CA certificates, name resolution, time zones
// and the devices that hold no data. Missing ones are ignored. /proc is
// not among them: a program that reads /proc can read other processes'
// environments and command lines.
var SystemPaths = []string{
	"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
	"/etc/ssl", "/etc/pki", "/etc/ca-certificates", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
	"/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/host.conf", "/etc/gai.conf",
	"/etc/services", "/etc/protocols", "/etc/localtime", "/etc/timezone",
	"/etc/passwd", "/etc/group", "/etc/mime.types", "/etc/gitconfig",
	"/dev/urandom", "/dev/random", "/dev/zero",
}

// writableDevices may be opened for writing by every program.
var writableDevices = []string{"/dev/null"}

// Launcher is how a program is started inside a sandbox: run Path with
// the program's arguments and Env added to the environment it would have
// had. Path is the csocbot binary (or a test binary that calls Main).
type Launcher struct {
	Path string
	Env  map[string]string
}

// Command returns the launcher for p. self is the csocbot executable
// (os.Executable in the binary).
func (p Policy) Command(self string) (Launcher, error) {
	if !filepath.IsAbs(p.Program) {
		return Launcher{}, fmt.Errorf("sandbox: program %q is not an absolute path", p.Program)
	}
	for _, dir := range slices.Concat(p.Read, p.Write) {
		if !filepath.IsAbs(dir) {
			return Launcher{}, fmt.Errorf("sandbox: path %q is not absolute", dir)
		}
	}
	spec, err := json.Marshal(p)
	if err != nil {
		return Launcher{}, fmt.Errorf("sandbox: %w", err)
	}
	return Launcher{Path: self, Env: map[string]string{policyVar: string(spec)}}, nil
}

// readPolicy returns the policy the launcher was started with and removes
// it from the environment the program will see.
func readPolicy() (Policy, bool, error) {
	spec, ok := os.LookupEnv(policyVar)
	if !ok {
		return Policy{}, false, nil
	}
	os.Unsetenv(policyVar)
	var p Policy
	if err := json.Unmarshal([]byte(spec), &p); err != nil {
		return Policy{}, true, fmt.Errorf("sandbox: reading the launcher's policy: %w", err)
	}
	if p.Program == "" {
		return Policy{}, true, errors.New("sandbox: the launcher's policy names no program")
	}
	return p, true, nil
}

// Confiner starts every program through the launcher at Self, with the
// protections Probe found. It is what planner/tfrun calls a Sandbox.
type Confiner struct {
	// Self is the launcher: the csocbot binary, or a test binary that
	// calls Main.
	Self string
	// PIDNamespace runs each program in a PID namespace of its own.
	PIDNamespace bool
	// RestrictNetwork and ConnectPorts limit each program's TCP
	// connections to those ports (see Policy).
	RestrictNetwork bool
	ConnectPorts    []uint16
}

// Command returns the launcher and the variables that make it run program
// with read access to read and full access to write.
func (c Confiner) Command(program string, read, write []string) (string, map[string]string, error) {
	l, err := Policy{
		Program: program, Read: read, Write: write, PIDNamespace: c.PIDNamespace,
		RestrictNetwork: c.RestrictNetwork, ConnectPorts: c.ConnectPorts,
	}.Command(c.Self)
	return l.Path, l.Env, err
}
