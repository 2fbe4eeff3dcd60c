package gate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsgate/corsgate/internal/loopback"
	"github.com/corsgate/corsgate/suites/kit"
)

// makeCheck runs `make check` with args from the repository root, as a CI
// job would, and returns its exit status and output.
func makeCheck(ctx context.Context, args ...string) (int, string) {
	GinkgoHelper()
	root, err := kit.RepoRoot()
	Expect(err).NotTo(HaveOccurred())
	cmd := exec.CommandContext(ctx, "make", append([]string{"-s", "check", "REPORTS=" + GinkgoT().TempDir()}, args...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "MAKEFLAGS=", "MAKELEVEL=")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &exit):
		return exit.ExitCode(), string(out)
	}
	Fail(fmt.Sprintf("make check %v: %v", args, err))
	return -1, ""
}

var _ = Describe("make check's exit status", Label("exit-status"), func() {
	It("is 0 for the demo, 1 for DEMO=broken and 3 for an unreachable address", func(ctx SpecContext) {
		code, out := makeCheck(ctx)
		Expect(code).To(Equal(0), out)
		Expect(out).To(ContainSubstring("0 failed"))

		code, out = makeCheck(ctx, "DEMO=broken")
		Expect(code).To(Equal(1), out)

		port, err := loopback.ClosedPort()
		Expect(err).NotTo(HaveOccurred())
		p := filepath.Join(GinkgoT().TempDir(), "p.yaml")
		Expect(os.WriteFile(p, []byte("target: https://api.example.com\norigins: [https://app.example.com]\n"), 0o644)).To(Succeed())
		code, out = makeCheck(ctx, "POLICY="+p, fmt.Sprintf("ADDRESS=127.0.0.1:%d", port))
		Expect(code).To(Equal(3), out)
		Expect(strings.TrimSpace(out)).To(ContainSubstring("is unreachable: connection refused"))
	}, NodeTimeout(5*time.Minute))
})
