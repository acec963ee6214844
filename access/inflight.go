package access

import "sync"

// inflightSet tracks grant IDs this process is working on, so a backstop job
// does not start a second, concurrent AWS operation for the same grant.
type inflightSet struct {
	mu  sync.Mutex
	ids map[string]bool
}

func (s *inflightSet) add(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids == nil {
		s.ids = map[string]bool{}
	}
	if s.ids[id] {
		return false
	}
	s.ids[id] = true
	return true
}

func (s *inflightSet) done(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.ids, id)
}

func (s *inflightSet) has(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ids[id]
}
