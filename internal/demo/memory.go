package demo

import (
	"cmp"
	"context"
	"slices"
	"sync"
)

// MemoryNotes is a NoteStore in memory, for tests and the memory-store server. Create it with
// NewMemoryNotes.
type MemoryNotes struct {
	mu     sync.Mutex
	notes  map[int64]Note
	lastID int64
}

// NewMemoryNotes returns an empty store.
func NewMemoryNotes() *MemoryNotes { return &MemoryNotes{notes: make(map[int64]Note)} }

// CreateNote implements NoteStore.
func (s *MemoryNotes) CreateNote(ctx context.Context, n *Note) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastID++
	n.ID = s.lastID
	s.notes[n.ID] = *n
	return nil
}

// Note implements NoteStore.
func (s *MemoryNotes) Note(ctx context.Context, id int64) (*Note, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.notes[id]
	if !ok {
		return nil, ErrNoteNotFound
	}
	return &n, nil
}

// Notes implements NoteStore.
func (s *MemoryNotes) Notes(ctx context.Context, owner int64) ([]*Note, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []*Note{}
	for _, n := range s.notes {
		if n.Owner == owner {
			out = append(out, &n)
		}
	}
	slices.SortFunc(out, func(a, b *Note) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// UpdateNote implements NoteStore.
func (s *MemoryNotes) UpdateNote(ctx context.Context, n *Note) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.notes[n.ID]
	if !ok || cur.Owner != n.Owner {
		return ErrNoteNotFound
	}
	cur.Title, cur.Body, cur.Updated = n.Title, n.Body, n.Updated
	s.notes[n.ID] = cur
	return nil
}

// DeleteNote implements NoteStore.
func (s *MemoryNotes) DeleteNote(ctx context.Context, owner, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n, ok := s.notes[id]; !ok || n.Owner != owner {
		return ErrNoteNotFound
	}
	delete(s.notes, id)
	return nil
}
