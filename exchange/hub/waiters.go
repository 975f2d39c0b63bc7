package hub

import "sync"

// Waiters wakes long polls when their queue receives a message. Feed it the
// store's commit notifications (boltstore.Options.Notify = w.Notify). Safe
// for concurrent use.
type Waiters struct {
	mu sync.Mutex
	ch map[string]chan struct{}
}

// NewWaiters returns an empty set of waiters.
func NewWaiters() *Waiters { return &Waiters{ch: map[string]chan struct{}{}} }

// channel returns a channel that closes at the queue's next notification.
func (w *Waiters) channel(queue string) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.ch[queue]
	if !ok {
		c = make(chan struct{})
		w.ch[queue] = c
	}
	return c
}

// Notify wakes every poll waiting on the queues.
func (w *Waiters) Notify(queues []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, q := range queues {
		if c, ok := w.ch[q]; ok {
			close(c)
			delete(w.ch, q)
		}
	}
}
