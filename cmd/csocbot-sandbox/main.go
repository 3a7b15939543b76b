// Command csocbot-sandbox is csocbot's launcher: csocbot starts terraform,
// terragrunt and run_cmd programs through it, and it confines each to its
// run (see planner/sandbox) before starting it. It is csocbot's own code
// in a binary of its own because every command of every run starts it:
// the csocbot binary takes some 30 ms to start (its packages' set-up), this
// one about 2 ms. Install it beside csocbot; without it csocbot launches
// through itself.
package main

import (
	"fmt"
	"os"

	"github.com/csocbot/csocbot/planner/sandbox"
)

func main() {
	sandbox.Main()
	fmt.Fprintln(os.Stderr, "csocbot-sandbox starts the programs of csocbot's runs, confined; it is not meant to be run by hand.")
	os.Exit(2)
}
