package scoped

// SetHooks sets the test hooks: beforeAssign runs in Ensure, under the
// permission set's lock, just before the assignment is created;
// beforeCollect runs in Collect just before it takes a permission set's
// lock.
func SetHooks(p *Provider, beforeAssign, beforeCollect func(name string)) {
	p.beforeAssign, p.beforeCollect = beforeAssign, beforeCollect
}

// CutoffTime is cutoffTime.
var CutoffTime = cutoffTime
