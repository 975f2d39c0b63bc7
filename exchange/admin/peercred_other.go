//go:build !linux

package admin

import (
	"fmt"
	"net"
	"runtime"
)

// PeerCredentials reports whether PeerUID can tell who is at the other end
// of a Unix socket on this system: not on this one.
const PeerCredentials = false

// PeerUID is not available on this system: it always fails, and the admin
// socket, which relies on it, is not served.
func PeerUID(net.Conn) (int, error) {
	return 0, fmt.Errorf("peer credentials: not available on %s", runtime.GOOS)
}
