// Package tfrun runs the terraform or OpenTofu (tofu) binary for the bot:
// it finds and checks the binary (Find) and runs init, plan, show, apply
// and output in one working directory (Runner), non-interactively, with an
// allowlisted environment, bounded output capture, graceful cancellation
// and a lock that keeps parallel inits from corrupting a shared provider
// plugin cache.
package tfrun
