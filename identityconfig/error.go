package identityconfig

import "github.com/stint-dev/stint/internal/yamlstrict"

// Problem is one thing wrong with an Identity Center file, located in it when
// it can be. Line and Col are 1-based, and 0 when the problem has no place
// in a file (a directory entry, for instance).
type Problem = yamlstrict.Problem

// Error lists every problem found, sorted by file and position. It unwraps
// to a *stint.Error with code stint.EINVALID whose message is the whole
// list, so stint.ErrorCode and stint.ErrorMessage work on it.
type Error = yamlstrict.Error

// newError sorts the problems and returns them as an *Error, or nil when
// there are none.
func newError(problems []Problem) error { return yamlstrict.NewError(problems) }
