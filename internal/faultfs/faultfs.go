package faultfs

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	bolt "go.etcd.io/bbolt"
)

// blockSize is the allocation unit of the simulated file system: a write
// that runs out of space still writes the whole blocks it had room for.
const blockSize = 4096

type writeAtFunc = func(b []byte, off int64) (int, error)

// Disk is the faults of one bbolt file. Safe for concurrent use.
type Disk struct {
	full        atomic.Bool
	limited     atomic.Bool
	budget      atomic.Int64
	failCommit  atomic.Bool
	writeDelay  atomic.Int64
	commitDelay atomic.Int64

	// inCommit is set by the first data page of a commit and cleared by
	// its meta page (only the writer goroutine writes pages).
	inCommit atomic.Bool

	writes, written, refused, commits, failedCommits atomic.Int64

	path     string
	pageSize int
	next     writeAtFunc
}

// Stats counts what went through a Disk.
type Stats struct {
	// Writes and Bytes are the page writes that reached the file and their
	// bytes (partial writes included).
	Writes, Bytes int64
	// Refused counts writes that failed (ENOSPC, or the injected error of
	// FailNextCommit).
	Refused int64
	// Commits counts meta-page writes that reached the file, and
	// FailedCommits those of them reported as failed (FailNextCommit).
	Commits, FailedCommits int64
}

// SetFull makes every write fail with ENOSPC (nothing written) while on.
func (d *Disk) SetFull(on bool) { d.full.Store(on) }

// SetBudget lets n more bytes be written, then fails writes with ENOSPC; a
// write that crosses the limit writes the whole blocks that fit first. A
// negative n removes the limit.
func (d *Disk) SetBudget(n int64) {
	d.budget.Store(max(n, 0))
	d.limited.Store(n >= 0)
}

// SetWriteDelay delays every page write.
func (d *Disk) SetWriteDelay(v time.Duration) { d.writeDelay.Store(int64(v)) }

// SetCommitDelay stalls each commit this long at its first page write, as a
// slow fsync stalls it: the callers of the operations in it wait, nothing is
// durable yet. Readers are not blocked (bbolt holds only its writer lock
// there).
func (d *Disk) SetCommitDelay(v time.Duration) { d.commitDelay.Store(int64(v)) }

// FailNextCommit makes the next commit's meta page reach the file and then
// report an I/O error: the commit is visible in bbolt's memory map and
// becomes durable with the next successful fsync, while its transaction
// reports failure (the state fdatasync failing after the meta page was
// written leaves).
func (d *Disk) FailNextCommit() { d.failCommit.Store(true) }

// Stats returns the counters.
func (d *Disk) Stats() Stats {
	return Stats{Writes: d.writes.Load(), Bytes: d.written.Load(), Refused: d.refused.Load(), Commits: d.commits.Load(),
		FailedCommits: d.failedCommits.Load()}
}

// writeAt stands in for bbolt's write of a page.
func (d *Disk) writeAt(b []byte, off int64) (int, error) {
	n, err := d.write(b, off)
	if err != nil {
		d.inCommit.Store(false) // bbolt abandons the commit
	}
	return n, err
}

func (d *Disk) write(b []byte, off int64) (int, error) {
	meta := off < 2*int64(d.pageSize) // pages 0 and 1 are the meta pages
	if !meta && d.inCommit.CompareAndSwap(false, true) {
		if v := time.Duration(d.commitDelay.Load()); v > 0 {
			time.Sleep(v)
		}
	}
	if v := time.Duration(d.writeDelay.Load()); v > 0 {
		time.Sleep(v)
	}
	if meta {
		d.inCommit.Store(false)
	}
	if d.full.Load() {
		d.refused.Add(1)
		return 0, d.errno("write", syscall.ENOSPC)
	}
	want := b
	if d.limited.Load() {
		left := d.budget.Load()
		if int64(len(b)) > left {
			want = b[:left/blockSize*blockSize]
		}
	}
	n, err := 0, error(nil)
	if len(want) > 0 {
		n, err = d.next(want, off)
	}
	d.written.Add(int64(n))
	if d.limited.Load() {
		d.budget.Add(-int64(n))
	}
	if err != nil {
		d.refused.Add(1)
		return n, err
	}
	if len(want) < len(b) {
		d.refused.Add(1)
		return n, d.errno("write", syscall.ENOSPC)
	}
	d.writes.Add(1)
	if meta {
		d.commits.Add(1)
		if d.failCommit.CompareAndSwap(true, false) {
			d.failedCommits.Add(1)
			d.refused.Add(1)
			return n, d.errno("fdatasync", syscall.EIO)
		}
	}
	return n, nil
}

func (d *Disk) errno(op string, e syscall.Errno) error {
	return &os.PathError{Op: op, Path: d.path, Err: e}
}

var (
	dbType      = reflect.TypeFor[*bolt.DB]()
	writeAtType = reflect.TypeFor[writeAtFunc]()
)

// Attach puts d between a database and its file. target is a *bolt.DB or a
// pointer to a struct that holds one (a *boltstore.Store). Attach it before
// the first write is asked of the database after Open (the change is not
// synchronised with a commit in progress); it lasts until the database is
// closed.
func Attach(target any, d *Disk) error {
	db, err := findDB(target)
	if err != nil {
		return err
	}
	ops := reflect.ValueOf(db).Elem().FieldByName("ops")
	if !ops.IsValid() || ops.Kind() != reflect.Struct {
		return errors.New("faultfs: bolt.DB has no ops field: this bbolt version is not supported")
	}
	f := ops.FieldByName("writeAt")
	if !f.IsValid() || f.Type() != writeAtType {
		return errors.New("faultfs: bolt.DB.ops has no writeAt function: this bbolt version is not supported")
	}
	p := (*writeAtFunc)(unsafe.Pointer(f.UnsafeAddr()))
	if *p == nil {
		return errors.New("faultfs: the database is closed or read-only")
	}
	d.next, d.path, d.pageSize = *p, db.Path(), db.Info().PageSize
	*p = d.writeAt
	return nil
}

func findDB(target any) (*bolt.DB, error) {
	if db, ok := target.(*bolt.DB); ok && db != nil {
		return db, nil
	}
	v := reflect.ValueOf(target)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("faultfs: %T is neither a *bolt.DB nor a pointer to a struct", target)
	}
	s := v.Elem()
	for i := range s.NumField() {
		f := s.Field(i)
		if f.Type() == dbType {
			db := *(**bolt.DB)(unsafe.Pointer(f.UnsafeAddr()))
			if db == nil {
				return nil, fmt.Errorf("faultfs: %T holds no open database", target)
			}
			return db, nil
		}
	}
	return nil, fmt.Errorf("faultfs: %T holds no *bolt.DB", target)
}
