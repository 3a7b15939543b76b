package config

import (
	"github.com/csocbot/csocbot/store/seal"
)

// PlanEncryption is where the keys that encrypt plan files in the store
// come from, and the keys. Exactly one of KeyFile and KeyEnv is set.
type PlanEncryption struct {
	// KeyFile is the file the keys were read from, an absolute path.
	KeyFile string
	// KeyEnv is the environment variable the keys were read from.
	KeyEnv string
	// Keys seals with its first key and opens with any of them.
	Keys *seal.Keyring
}

type rawPlanEncryption struct {
	position
	KeyFile scalar[string] `yaml:"key_file"`
	KeyEnv  scalar[string] `yaml:"key_env"`
}

// planEncryption reads the keyring plan_encryption names, the way secrets
// are read (see secret); nil when the section is absent.
func (v *validator) planEncryption(r rawPlanEncryption) *PlanEncryption {
	if r.Line == 0 {
		return nil
	}
	keys, ok := v.secret("plan_encryption.key", scalar[string]{}, r.KeyFile, r.KeyEnv)
	switch {
	case !ok:
		v.errs.add(r.Line, "plan_encryption", "set key_file, the path of a file of keys, or key_env, the name of an environment variable holding them")
		return nil
	case keys.Reveal() == "":
		return nil // the problem is reported
	}
	p := &PlanEncryption{KeyEnv: r.KeyEnv.Value}
	key, line, source := "plan_encryption.key_env", r.KeyEnv.Line, "environment variable "+p.KeyEnv
	if r.KeyFile.present() {
		p.KeyEnv, p.KeyFile = "", v.path(r.KeyFile, "plan_encryption.key_file", "")
		key, line, source = "plan_encryption.key_file", r.KeyFile.Line, "key file "+p.KeyFile
	}
	ring, err := seal.ParseKeys([]byte(keys.Reveal()), source)
	if err != nil {
		for _, e := range splitJoined(err) {
			v.errs.add(line, key, "%v", e)
		}
		return nil
	}
	p.Keys = ring
	return p
}

// splitJoined returns the errors errors.Join joined into err, or err.
func splitJoined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
