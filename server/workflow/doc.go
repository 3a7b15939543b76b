// Package workflow owns what csocbot's jobs do, whoever asks for them: the
// server's workers and the command line run the same workflows, so that
// `csocbot preview` prints the comment the server posts.
//
// A workflow is a type holding its dependencies and one
// Run(ctx, request) (outcome, error). Its dependencies are values and the
// small interfaces declared here by what the workflow needs of them: a
// Reporter (GitHub's comments and commit statuses, standard output), the
// pull request reads (PullRequests) and the slice of the store it uses
// (RunStore). Concrete implementations are wired by the caller.
//
// Plan is the one workflow so far. Apply, Unlock and ApprovePolicies go
// here beside it, each with the seams it needs, a Locker among them.
package workflow
