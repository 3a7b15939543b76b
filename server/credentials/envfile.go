package credentials

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"
)

// envNameRE is an environment variable's name.
var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// EnvFile is a profile of kind static_env_file: runs get the variables of
// a file, read again for each run so that a rotated secret is used without
// a restart.
//
// The file holds NAME=value lines. Blank lines and lines starting with #
// are skipped, "export " may come before a name, spaces around the name
// and the value are dropped, and a value wholly in single or double quotes
// loses them; nothing else is interpreted. Errors
// name lines by number only: a malformed line may hold a secret.
type EnvFile struct {
	// Name is the profile's name.
	Name string
	// Path is the file's.
	Path string
}

// Mint reads the file.
func (e EnvFile) Mint(ctx context.Context, req Request) (Credentials, error) {
	if err := req.check(); err != nil {
		return Credentials{}, err
	}
	if err := ctx.Err(); err != nil {
		return Credentials{}, err
	}
	data, err := os.ReadFile(e.Path)
	if err != nil {
		return Credentials{}, fmt.Errorf("credentials profile %s: read env_file: %w", e.Name, err)
	}
	vars, err := parseEnvFile(string(data))
	if err != nil {
		return Credentials{}, fmt.Errorf("credentials profile %s: env_file %s: %w", e.Name, e.Path, err)
	}
	return newCredentials(e.Name, "", time.Time{}, vars), nil
}

// parseEnvFile reads NAME=value lines; the error lists every malformed
// line.
func parseEnvFile(data string) ([]variable, error) {
	var vars []variable
	var problems []error
	first := map[string]int{}
	for i, line := range strings.Split(data, "\n") {
		n := i + 1
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch {
		case !ok:
			problems = append(problems, fmt.Errorf("line %d: expected NAME=value (the line is not shown: it may hold a secret)", n))
			continue
		case !envNameRE.MatchString(name):
			problems = append(problems, fmt.Errorf("line %d: expected a variable name (letters, digits and _, not starting with a digit) before = (the line is not shown: it may hold a secret)", n))
			continue
		case strings.ContainsRune(value, 0):
			problems = append(problems, fmt.Errorf("line %d: %s holds a NUL character, which no environment variable can", n, name))
			continue
		}
		if prev, dup := first[name]; dup {
			problems = append(problems, fmt.Errorf("line %d: %s is set twice (first at line %d)", n, name, prev))
			continue
		}
		first[name] = n
		if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
			value = value[1 : len(value)-1]
		}
		vars = append(vars, variable{name, value})
	}
	if len(problems) == 0 && len(vars) == 0 {
		return nil, errors.New("sets no variables")
	}
	return vars, errors.Join(problems...)
}
