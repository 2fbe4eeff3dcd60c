package playground

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

// DefaultPort is where make playground listens unless PORT says otherwise
// (and the port the lab report's links point at).
const DefaultPort = 8088

// Listen binds 127.0.0.1 only: the port asked for, or with 0 DefaultPort,
// or, when that is taken, a port the system chooses.
func Listen(port int) (net.Listener, error) {
	if port < 0 || port > 65535 {
		return nil, fmt.Errorf("playground: port %d is not a TCP port; pick one in 1-65535 (or 0 for %d or a free one)", port, DefaultPort)
	}
	if port != 0 {
		ln, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			return nil, fmt.Errorf("playground: cannot listen on 127.0.0.1:%d (%v); pick another with PORT=", port, err)
		}
		return ln, nil
	}
	ln, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", DefaultPort))
	if errors.Is(err, syscall.EADDRINUSE) {
		ln, err = net.Listen("tcp4", "127.0.0.1:0")
	}
	if err != nil {
		return nil, fmt.Errorf("playground: cannot listen on 127.0.0.1: %v", err)
	}
	return ln, nil
}
