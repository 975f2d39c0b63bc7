package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// clockTicks is the kernel's USER_HZ, the unit of CPU times in
// /proc/<pid>/stat: 100 on every Linux platform Go supports.
const clockTicks = 100

// procCPU returns the CPU time (user and system, every thread) a process
// has used: from getrusage for this process, from /proc/<pid>/stat for
// another.
func procCPU(pid int) (time.Duration, bool) {
	if pid == os.Getpid() {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			return 0, false
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
	}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(data[i+1:]))
	// After the name: state is field 3, utime field 14, stime field 15.
	if len(f) < 13 {
		return 0, false
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(ut+st) * time.Second / clockTicks, true
}

// procMemory reads a process's peak resident set (VmHWM) and its current
// anonymous resident memory (RssAnon: the heap and stacks, not the pages
// of mapped files such as the store), in bytes.
func procMemory(pid int) (hwm, anon int64, ok bool) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "VmHWM:"):
			hwm = kB(line)
			ok = true
		case strings.HasPrefix(line, "RssAnon:"):
			anon = kB(line)
		}
	}
	return hwm, anon, ok
}

func kB(line string) int64 {
	f := strings.Fields(line)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.ParseInt(f[1], 10, 64)
	return n << 10
}

// cpuTimes is the machine's CPU time by state, from /proc/stat, in clock
// ticks summed over every CPU.
type cpuTimes struct {
	total, idle, steal int64
	ok                 bool
}

func machineTimes() cpuTimes {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTimes{}
	}
	line, _, _ := bytes.Cut(data, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 9 || f[0] != "cpu" {
		return cpuTimes{}
	}
	var t cpuTimes
	for i, s := range f[1:] {
		if i >= 8 { // guest time is counted in user time already
			break
		}
		n, _ := strconv.ParseInt(s, 10, 64)
		t.total += n
		switch i {
		case 3, 4: // idle, iowait
			t.idle += n
		case 7:
			t.steal += n
		}
	}
	t.ok = true
	return t
}

// loadAverage returns the one-minute load average.
func loadAverage() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// window measures one run's measured interval: the CPU time of the hub's
// process (and of this one, when they differ), the machine's CPU use by
// everything else, and the hub's memory.
type window struct {
	hubPID   int
	start    time.Time
	hubCPU   time.Duration
	selfCPU  time.Duration
	machine  cpuTimes
	peakAnon int64
	stop     chan struct{}
	wg       sync.WaitGroup
	mu       sync.Mutex
}

// Machine is how busy the machine was during a run.
type Machine struct {
	// BusyPercent is the machine's CPU use (every core; 100 is all of
	// them); OthersPercent the part of it by processes other than the hub
	// and the bench; StealPercent the time the hypervisor gave to other
	// guests.
	BusyPercent   float64 `json:"busyPercent"`
	OthersPercent float64 `json:"othersPercent"`
	StealPercent  float64 `json:"stealPercent"`
	// IdlePercent is the time the cores ran nothing (idle, or waiting for
	// the disk): what a run that is bound by its processors leaves unused.
	IdlePercent float64 `json:"idlePercent"`
	LoadAverage float64 `json:"loadAverage1m"`
}

// measured reports whether /proc/stat was read at both ends of the window
// (the bench's own clients keep the machine from being idle throughout).
func (m Machine) measured() bool { return m.BusyPercent > 0 }

// idle is IdlePercent for a table: "-" when it was not measured.
func (m Machine) idle() string {
	if !m.measured() {
		return "-"
	}
	return fmt.Sprintf("%.0f", m.IdlePercent)
}

// busier is, field by field, the busier of two windows' machine figures:
// the larger use, the smaller idle time.
func busier(a, b Machine) Machine {
	m := Machine{BusyPercent: max(a.BusyPercent, b.BusyPercent), OthersPercent: max(a.OthersPercent, b.OthersPercent),
		StealPercent: max(a.StealPercent, b.StealPercent), IdlePercent: min(a.IdlePercent, b.IdlePercent),
		LoadAverage: max(a.LoadAverage, b.LoadAverage)}
	if !a.measured() || !b.measured() {
		m.IdlePercent = max(a.IdlePercent, b.IdlePercent) // the one measured, if any
	}
	return m
}

func startWindow(hubPID int) *window {
	w := &window{hubPID: hubPID, start: time.Now(), machine: machineTimes(), stop: make(chan struct{})}
	w.hubCPU, _ = procCPU(hubPID)
	w.selfCPU, _ = procCPU(os.Getpid())
	// The anonymous memory has no peak counter: sample it.
	w.wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if _, anon, ok := procMemory(w.hubPID); ok {
				w.mu.Lock()
				w.peakAnon = max(w.peakAnon, anon)
				w.mu.Unlock()
			}
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
		}
	})
	return w
}

// windowResult is what a window measured.
type windowResult struct {
	elapsed  time.Duration
	hubCPU   time.Duration
	benchCPU time.Duration // this process, when the hub is another
	hwm      int64
	peakAnon int64
	machine  Machine
}

func (w *window) end() windowResult {
	r := windowResult{elapsed: time.Since(w.start)}
	cpu, _ := procCPU(w.hubPID)
	r.hubCPU = cpu - w.hubCPU
	if w.hubPID != os.Getpid() {
		self, _ := procCPU(os.Getpid())
		r.benchCPU = self - w.selfCPU
	}
	close(w.stop)
	w.wg.Wait()
	hwm, anon, _ := procMemory(w.hubPID)
	r.hwm = hwm
	r.peakAnon = max(w.peakAnon, anon)
	m := machineTimes()
	r.machine.LoadAverage = loadAverage()
	if m.ok && w.machine.ok && m.total > w.machine.total {
		total := float64(m.total - w.machine.total)
		busy := total - float64(m.idle-w.machine.idle)
		ncpu := float64(runtime.NumCPU())
		r.machine.BusyPercent = 100 * busy / total
		r.machine.IdlePercent = 100 - r.machine.BusyPercent
		r.machine.StealPercent = 100 * float64(m.steal-w.machine.steal) / total
		// Ours, in the same unit: CPU seconds over (elapsed × cores).
		ours := (r.hubCPU + r.benchCPU).Seconds() / (r.elapsed.Seconds() * ncpu) * 100
		r.machine.OthersPercent = max(0, r.machine.BusyPercent-r.machine.StealPercent-ours)
	}
	return r
}
