package procs

import (
	"runtime"
	"testing"
)

func TestForStore(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, c := range []struct {
		name string
		env  string
		want int // 0: as it was
	}{
		{"one more than the CPUs", "", CPUs() + 1},
		{"the environment decides", "1", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("GOMAXPROCS", c.env)
			runtime.GOMAXPROCS(CPUs() + 2)
			want := c.want
			if want == 0 {
				want = CPUs() + 2 // untouched
			}
			if got := ForStore(); got != want || runtime.GOMAXPROCS(0) != want {
				t.Fatalf("ForStore() = %d, GOMAXPROCS %d; want %d", got, runtime.GOMAXPROCS(0), want)
			}
		})
	}
}
