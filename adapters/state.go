package adapters

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Phases of a message in an adapter's state.
const (
	// PhaseAnswered: the handler finished and its answer (a signed
	// SendResponse envelope) is stored, not yet accepted by the hub.
	PhaseAnswered = "answered"
	// PhaseSent: the hub accepted the answer; the delivery is not yet
	// acknowledged.
	PhaseSent = "sent"
	// PhaseDone: the delivery is acknowledged (or refused).
	PhaseDone = "done"
)

// Record is what an adapter remembers of one delivered message.
type Record struct {
	Phase string `json:"phase"`
	// Answer is the answer's envelope exactly as it is (to be) sent: after a
	// restart the same bytes go again, which the hub recognises as the same
	// message instead of taking a second answer.
	Answer []byte `json:"answer,omitempty"`
	// Accepted is how the delivery is acknowledged.
	Accepted bool      `json:"accepted"`
	At       time.Time `json:"at"`
}

// State remembers, across restarts, what an adapter did with each message
// delivered to it, by MessageID, so that a message handled but not yet
// acknowledged is not handled twice and a redelivered one is recognised.
// Put must be durable before it returns.
type State interface {
	Get(id string) (Record, bool, error)
	Put(id string, r Record) error
}

// MemoryState is a State that lasts as long as the process (tests, the
// in-process demo).
type MemoryState struct {
	mu sync.Mutex
	m  map[string]Record
}

// NewMemoryState returns an empty MemoryState.
func NewMemoryState() *MemoryState { return &MemoryState{m: map[string]Record{}} }

// Get implements State.
func (s *MemoryState) Get(id string) (Record, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.m[id]
	return r, ok, nil
}

// Put implements State.
func (s *MemoryState) Put(id string, r Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[id] = r
	return nil
}

// FileState is a State in a bbolt file: every Put is synced to disk.
type FileState struct{ db *bolt.DB }

var bState = []byte("messages")

// OpenFileState opens (creating it) the state file at path.
func OpenFileState(path string) (*FileState, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("adapters: state %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucketIfNotExists(bState); return err }); err != nil {
		db.Close()
		return nil, err
	}
	return &FileState{db: db}, nil
}

// Get implements State.
func (s *FileState) Get(id string) (Record, bool, error) {
	var r Record
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bState).Get([]byte(id))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &r)
	})
	return r, ok, err
}

// Put implements State.
func (s *FileState) Put(id string, r Record) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bState).Put([]byte(id), data) })
}

// Close closes the file.
func (s *FileState) Close() error { return s.db.Close() }
