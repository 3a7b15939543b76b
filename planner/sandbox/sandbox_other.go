//go:build !linux

package sandbox

import "context"

// Main does nothing: the launcher exists on Linux only.
func Main() {}

// Probe reports that nothing can be confined outside Linux.
func Probe(context.Context, string) Report {
	return Report{Problems: []string{"the sandbox needs Linux (Landlock and PID namespaces)"}}
}
