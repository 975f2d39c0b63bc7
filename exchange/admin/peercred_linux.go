package admin

import (
	"fmt"
	"net"
	"syscall"
)

// PeerCredentials reports whether PeerUID can tell who is at the other end
// of a Unix socket on this system.
const PeerCredentials = true

// PeerUID returns the effective user id of the process at the other end of a
// Unix socket connection, as the kernel recorded it when the connection was
// made (SO_PEERCRED): how the admin socket's listener tells who calls.
func PeerUID(c net.Conn) (int, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return 0, fmt.Errorf("peer credentials: a %T is not a socket", c)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return 0, fmt.Errorf("peer credentials: %w", err)
	}
	var cred *syscall.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return 0, fmt.Errorf("peer credentials: %w", err)
	}
	if credErr != nil {
		return 0, fmt.Errorf("peer credentials: SO_PEERCRED: %w", credErr)
	}
	return int(cred.Uid), nil
}
