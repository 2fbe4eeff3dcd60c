package faults

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// listenSocket is a TCP socket in LISTEN state from /proc/net/tcp{,6}.
type listenSocket struct {
	Local string // hex address:port as the kernel prints it
	Port  int
	Inode string
}

// ownListeners returns the listening TCP sockets this process holds, read
// from /proc/net/tcp and /proc/net/tcp6 and matched to /proc/self/fd.
func ownListeners() ([]listenSocket, error) {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil, err
	}
	mine := map[string]bool{}
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasPrefix(target, "socket:[") {
			mine[strings.TrimSuffix(strings.TrimPrefix(target, "socket:["), "]")] = true
		}
	}
	var out []listenSocket
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(table)
		if err != nil {
			if os.IsNotExist(err) {
				continue // no IPv6
			}
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header line
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			const listen = "0A"
			if len(fields) < 10 || fields[3] != listen || !mine[fields[9]] {
				continue
			}
			_, hexPort, _ := strings.Cut(fields[1], ":")
			port, err := strconv.ParseInt(hexPort, 16, 32)
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("%s: local address %q: %w", table, fields[1], err)
			}
			out = append(out, listenSocket{Local: fields[1], Port: int(port), Inode: fields[9]})
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// loopbackHex are the kernel's spellings of 127.0.0.1 (IPv4, and IPv4-mapped
// IPv6) and ::1 on a little-endian machine.
var loopbackHex = []string{
	"0100007F",
	"0000000000000000FFFF00000100007F",
	"00000000000000000000000001000000",
}

func isLoopbackHex(local string) bool {
	addr, _, _ := strings.Cut(local, ":")
	for _, l := range loopbackHex {
		if addr == l {
			return true
		}
	}
	return false
}

var _ = Describe("every server of the suite", Label("loopback"), func() {
	It("binds 127.0.0.1 only", func(ctx SpecContext) {
		for _, s := range []*server{api, other} {
			Expect(s.Addr).To(HavePrefix("127.0.0.1:"), "fixture server %s", s.Base)
		}

		if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
			Skip("the /proc/net/tcp check reads Linux's little-endian address format")
		}
		// An https target of the TLS specs, started now so that a
		// httptest server is among the listeners too.
		https := tlsTarget()
		socks, err := ownListeners()
		Expect(err).NotTo(HaveOccurred())
		fmt.Fprintf(GinkgoWriter, "listening sockets of this process: %+v\n", socks)

		ports := map[int]bool{}
		for _, s := range socks {
			ports[s.Port] = true
			Expect(isLoopbackHex(s.Local)).To(BeTrue(), "socket inode %s listens on %s, not on loopback", s.Inode, s.Local)
		}
		// Not vacuous: the fixture servers and the httptest server are there.
		tlsPort, _ := strconv.Atoi(https.URL[strings.LastIndex(https.URL, ":")+1:])
		for _, p := range []int{api.Port, other.Port, tlsPort} {
			Expect(ports).To(HaveKey(p), "port %d is one of this process's listeners", p)
		}
		// The harness's page servers (App, AppOtherPort, SecureApp
		// listeners) are the remaining ones; they are private to the Env,
		// so count them: at least three besides the fixtures.
		Expect(len(socks)).To(BeNumerically(">=", 6), "%+v", socks)
	}, SpecTimeout(10*time.Second))
})
