// Package terraformmodules holds no code: it is the Terraform modules
// operators deploy csocbot's AWS side with (csocbot-roles, irsa-role,
// state-backend), and the Go tests that check them without an AWS
// provider: formatting, descriptions and outputs, and the shape of the
// trust and bucket policies csocbot relies on.
package terraformmodules
