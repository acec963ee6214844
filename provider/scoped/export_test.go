package scoped

// SetHooks sets the test hook: beforeAssign runs in Ensure, under the
// permission set's lock, just before the assignment is created.
func SetHooks(p *Provider, beforeAssign func(name string)) { p.beforeAssign = beforeAssign }

// CutoffTime is cutoffTime.
var CutoffTime = cutoffTime
