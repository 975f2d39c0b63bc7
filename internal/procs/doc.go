// Package procs sets how many Go processors (GOMAXPROCS) a process that
// runs the hub's store has: one more than the CPUs it may use, unless the
// GOMAXPROCS environment variable says otherwise.
//
// Why: the store's single writer commits through bbolt, which calls
// fdatasync twice per commit, and a goroutine in a system call keeps its
// processor until the runtime's monitor takes it back, which it often does
// not: in a runtime trace of 2 s of the hub's ingest on two CPUs (the hub
// and its clients in one process), 1,006 of the writer's 1,050 fdatasyncs
// (median 379 µs) kept their processor to the end, and for 30% of the time
// goroutines ready to run waited while the writer sat in a system call and
// one processor ran Go code. A processor more runs them meanwhile.
//
// The hub (`mezhved serve`) and the benchmark (the limit, the JetStream
// comparison and hubs in its process) call ForStore at start, so that the
// hub and the limit it is measured against run alike.
package procs
