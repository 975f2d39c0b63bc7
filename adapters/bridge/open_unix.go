//go:build unix

package bridge

import "syscall"

// openNoFollow makes opening an answer file fail on a symlink instead of
// following it out of the directory, and not block on a FIFO put in a
// file's place.
const openNoFollow = syscall.O_NOFOLLOW | syscall.O_NONBLOCK
