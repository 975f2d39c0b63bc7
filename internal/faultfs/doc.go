// Package faultfs injects storage faults under a bbolt database, for the
// tests that check what the hub promises when its disk misbehaves: a full
// disk (ENOSPC, at once or after a budget of bytes, with the partial write a
// real file system makes), a commit whose record reaches the file although
// the write reports an error (as when fdatasync fails after the meta page
// was written), and slow writes and commits.
//
// Why not a wrapping file: bbolt's Options.OpenFile (and so
// boltstore.Options.OpenFile) must return an *os.File, a concrete type, so a
// wrapper cannot intercept WriteAt or Sync. bbolt sends every page it writes
// (data pages, then the meta page that commits them) through one internal
// function, DB.ops.writeAt; Attach puts a Disk in its place. Attach reaches
// that unexported field with reflection and unsafe, so it is for tests only,
// and it fails loudly (it does not guess) if a bbolt upgrade renames it.
// fdatasync itself cannot be intercepted (bbolt calls the system call on the
// file's descriptor): a slow or failing fsync is modelled by a delay at the
// start of each commit and by FailNextCommit, which produce the same states
// of the database file and of bbolt's memory.
//
// A Disk is switched at run time (SetFull, SetBudget, SetCommitDelay,
// SetWriteDelay, FailNextCommit) from any goroutine; its zero value injects
// nothing.
package faultfs
