package playground

import (
	"errors"
	"fmt"
	"net"
	"syscall"

	"github.com/corsgate/corsgate/lab"
)

// DefaultPort is where make playground listens unless PORT says otherwise,
// and the port the lab report's links point at (lab.PlaygroundPort is its
// one home).
const DefaultPort = lab.PlaygroundPort

// Listen binds 127.0.0.1 only, on port, or with 0 on DefaultPort. It never
// falls back to another port: the lab report's links point at DefaultPort,
// and a playground elsewhere would leave them reaching whatever holds it.
func Listen(port int) (net.Listener, error) { return listen(port, DefaultPort) }

func listen(port, def int) (net.Listener, error) {
	if port < 0 || port > 65535 {
		return nil, fmt.Errorf("playground: port %d is not a TCP port; pick one in 1-65535, e.g. make playground PORT=9000", port)
	}
	if port == 0 {
		port = def
	}
	ln, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", port))
	switch {
	case errors.Is(err, syscall.EADDRINUSE) && port == def:
		return nil, fmt.Errorf("playground: port %d on 127.0.0.1 is taken (the lab report's links point there); stop what holds it, or pick another with make playground PORT=9000", port)
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("playground: port %d on 127.0.0.1 is taken; pick another with make playground PORT=<free port>", port)
	case err != nil:
		return nil, fmt.Errorf("playground: cannot listen on 127.0.0.1:%d (%v); pick another port with make playground PORT=<port>", port, err)
	}
	return ln, nil
}
