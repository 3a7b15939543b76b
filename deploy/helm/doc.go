// Package helm holds csocbot's Helm chart (csocbot/) and the tests that
// render it with the Helm SDK, lint it, and check that csocbot's gitops
// discovery reads the Argo CD example in ../gitops-example. It has no Go
// API.
package helm
