package kit

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsgate/corsgate/internal/loopback"
)

// The kit's own specs need no browser: they run the server and directory
// helpers. RunSuite and StartBrowser are exercised by every browser suite.
func TestKit(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Suite kit", Label("kit"))
}

var _ = Describe("Serve", func() {
	It("serves the handler on loopback under the given name, records each request, and stops at the end of the node", func(ctx SpecContext) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hello "+r.URL.Path) })
		var port int
		DeferCleanup(func() {
			// Registered before Serve's cleanup, so it runs after it:
			// the port is closed by then.
			_, err := http.Get("http://127.0.0.1:" + itoa(port) + "/")
			Expect(err).To(HaveOccurred(), "the server still answers after the node ended")
		})
		s := Serve("api.localhost", h)
		port = s.Port
		Expect(s.Base).To(Equal("http://api.localhost:" + itoa(s.Port)))
		Expect(s.URL("fixture", "x")).To(Equal(s.Base + "/fixture/x"))
		Expect(s.Addr).To(Equal("127.0.0.1:" + itoa(s.Port)))

		client := &http.Client{Transport: &http.Transport{DialContext: loopback.DialLocalhost}}
		resp, err := client.Get(s.URL("fixture", "x"))
		Expect(err).NotTo(HaveOccurred())
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		Expect(string(body)).To(Equal("hello /fixture/x"))
		Expect(s.Rec.Requests()).To(HaveLen(1))
	})
})

var _ = Describe("RepoRoot and ReportsDir", func() {
	It("find the module root from a suite directory and create reports/<sub> there", func() {
		root, err := RepoRoot()
		Expect(err).NotTo(HaveOccurred())
		Expect(filepath.Join(root, "go.mod")).To(BeARegularFile())
		Expect(filepath.Join(root, "suites", "kit")).To(BeADirectory())

		sub := "kit-test-" + itoa(os.Getpid())
		DeferCleanup(os.Remove, filepath.Join(root, "reports", sub))
		dir, err := ReportsDir(sub)
		Expect(err).NotTo(HaveOccurred())
		Expect(dir).To(Equal(filepath.Join(root, "reports", sub)))
		Expect(dir).To(BeADirectory())
	})

	It("say where to run when there is no go.mod above", func() {
		wd, err := os.Getwd()
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(os.Chdir, wd)
		Expect(os.Chdir(GinkgoT().TempDir())).To(Succeed())
		_, err = RepoRoot()
		Expect(err).To(MatchError(ContainSubstring("run the suite inside the corsgate repository")))
	})
})

func itoa(n int) string { return strconv.Itoa(n) }
