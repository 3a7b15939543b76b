package tfrun

// Sandbox confines the programs a Runner starts (terraform, terragrunt,
// and through them providers and provisioners) to the run's own files.
// planner/sandbox implements it; without one they run unconfined.
type Sandbox interface {
	// Command returns the program to start in place of program, and the
	// variables to add to its environment, so that program runs with
	// read access to read and full access to write, and nothing else.
	Command(program string, read, write []string) (path string, env map[string]string, err error)
}

// confine returns what to start, and the variables to add, for program
// running command. Only init may write into the shared plugin cache; it
// holds the cache's lock while it runs.
func (r *Runner) confine(command, program string) (string, map[string]string, error) {
	if r.sandbox == nil {
		return program, nil, nil
	}
	read := []string{r.binary.Path}
	write := append([]string{r.tf.WorkingDir(), r.home}, r.writable...)
	for _, f := range []string{r.cliConfig} {
		if f != "" {
			read = append(read, f)
		}
	}
	if r.dataDir != "" {
		write = append(write, r.dataDir)
	}
	if r.cache != "" {
		if command == "init" {
			write = append(write, r.cache)
		} else {
			read = append(read, r.cache)
		}
	}
	return r.sandbox.Command(program, read, write)
}
