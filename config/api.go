package config

// API configures the operators' HTTP API (/api/audit, /api/locks).
type API struct {
	// Token is the bearer token every API request must carry.
	Token Secret
}

type rawAPI struct {
	position
	TokenFile scalar[string] `yaml:"token_file"`
	TokenEnv  scalar[string] `yaml:"token_env"`
}

// api reads the API token api names, the way secrets are read (see
// secret); nil when the section is absent, which turns the API off.
func (v *validator) api(r rawAPI) *API {
	if r.Line == 0 {
		return nil
	}
	token, ok := v.secret("api.token", scalar[string]{}, r.TokenFile, r.TokenEnv)
	switch {
	case !ok:
		v.errs.add(r.Line, "api", "set token_file, the path of a file holding the API token, or token_env, the name of an environment variable holding it; or remove api to turn the API off")
		return nil
	case token.Reveal() == "":
		return nil // the problem is reported
	}
	return &API{Token: token}
}
