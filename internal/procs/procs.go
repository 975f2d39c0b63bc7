package procs

import (
	"os"
	"runtime"
)

// cpus is the runtime's own choice at start, the CPUs the process may use
// (its affinity and cgroup limit); with GOMAXPROCS set in the environment,
// that or the machine's CPUs, whichever is fewer.
var cpus = func() int {
	n := runtime.GOMAXPROCS(0)
	if os.Getenv("GOMAXPROCS") != "" {
		n = min(n, runtime.NumCPU())
	}
	return n
}()

// CPUs is the number of CPUs the process may use, as the runtime saw it at
// start (no more than GOMAXPROCS from the environment, when set).
func CPUs() int { return cpus }

// ForStore gives the process one Go processor more than CPUs, unless the
// GOMAXPROCS environment variable is set, and returns the processors it
// now has. Setting them stops the runtime from following later changes of
// the cgroup's CPU limit.
func ForStore() int {
	if os.Getenv("GOMAXPROCS") != "" {
		return runtime.GOMAXPROCS(0)
	}
	runtime.GOMAXPROCS(cpus + 1)
	return cpus + 1
}
