package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
)

func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", "version", stdout, stderr)
	if err := fs.parse(args, 0); err != nil {
		return err
	}
	info, _ := debug.ReadBuildInfo()
	fmt.Fprintln(stdout, "csocbot", buildVersion(info))
	return nil
}

// buildVersion says which csocbot info describes: the module version `go
// install` or `go build` recorded, else the commit it was built from, else
// "devel".
func buildVersion(info *debug.BuildInfo) string {
	if info == nil {
		return "devel"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var revision, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	if revision == "" {
		return "devel"
	}
	return fmt.Sprintf("devel (commit %s%s)", revision[:min(12, len(revision))], modified)
}
