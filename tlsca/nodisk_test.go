package tlsca

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The package's claim "keys live only in memory" is kept by construction:
// package tlsca cannot open, create or write a file because it imports
// nothing that can. The deny-list names every standard package that reaches
// the file system or the kernel directly, and the escape hatches around the
// type system:
var forbidden = map[string]string{
	"os":                  "opens, creates and writes files",
	"os/exec":             "runs programs that can write files",
	"os/signal":           "part of the os family; no business in a CA",
	"os/user":             "reads the user database; no business in a CA",
	"io/ioutil":           "WriteFile, TempFile",
	"io/fs":               "file system access (read side of os)",
	"path/filepath":       "only needed to name files on disk",
	"syscall":             "open(2)/write(2) directly",
	"golang.org/x/sys":    "open(2)/write(2) directly",
	"unsafe":              "go:linkname and pointer tricks reach os internals without importing os",
	"C":                   "cgo: anything libc can do",
	"plugin":              "loads code that can do anything",
	"runtime/pprof":       "writes profiles (and needs a file)",
	"runtime/trace":       "writes traces (and needs a file)",
	"runtime/debug":       "WriteHeapDump writes the whole heap, keys included, to a file descriptor",
	"log/syslog":          "sends text to a system log that lands on disk",
	"net/http":            "http.ServeFile / FileServer and friends; a CA serves nothing",
	"embed":               "reads files at build time; key material must never be committed",
	"github.com/corsgate": "this module's packages are checked transitively below",
}

// importViolations parses one Go source file (imports only) and returns
// every import of it on the deny-list, with the reason. src is as for
// parser.ParseFile: nil reads filename.
func importViolations(filename string, src any) ([]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), filename, src, parser.ImportsOnly)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, imp := range f.Imports {
		path, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: import %s: %w", filename, imp.Path.Value, err)
		}
		if why, bad := denied(path); bad {
			out = append(out, fmt.Sprintf("%s imports %q: %s", filepath.Base(filename), path, why))
		}
	}
	return out, nil
}

// denied reports whether path is on the deny-list, or below a denied
// prefix, or outside the standard library (a third-party package is not
// vetted, so it is denied too).
func denied(path string) (string, bool) {
	for p, why := range forbidden {
		if path == p || strings.HasPrefix(path, p+"/") {
			return why, true
		}
	}
	if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
		return "not in the standard library, so not vetted", true
	}
	return "", false
}

// packageFiles lists the non-test Go files of the package in dir.
func packageFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	files = slices.DeleteFunc(files, func(f string) bool { return strings.HasSuffix(f, "_test.go") })
	if len(files) == 0 {
		t.Fatalf("no Go files in %s; the check would be vacuous", dir)
	}
	return files
}

func TestPackageImportsNothingThatWritesFiles(t *testing.T) {
	files := packageFiles(t, ".")
	for _, f := range files {
		bad, err := importViolations(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bad {
			t.Errorf("%s; package tlsca must keep keys in memory only", b)
		}
	}
	t.Logf("checked %v", files)
}

func TestImportCheckerCatchesViolations(t *testing.T) {
	const src = `package tlsca

import (
	"crypto/ecdsa"
	"os"
	w "io/ioutil"
	_ "syscall"
	. "path/filepath"
	"golang.org/x/sys/unix"
	"github.com/corsgate/corsgate/harness"
	"example.com/keystore"
)
`
	bad, err := importViolations("synthetic.go", src)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range bad {
		_, after, _ := strings.Cut(b, " imports ")
		q, _, _ := strings.Cut(after, ":")
		p, _ := strconv.Unquote(q)
		got = append(got, p)
	}
	want := []string{"os", "io/ioutil", "syscall", "path/filepath", "golang.org/x/sys/unix",
		"github.com/corsgate/corsgate/harness", "example.com/keystore"}
	if !slices.Equal(got, want) {
		t.Errorf("violations = %q; want %q (crypto/ecdsa is fine)", got, want)
	}

	clean, err := importViolations("clean.go", "package tlsca\n\nimport (\n\t\"crypto/tls\"\n\t\"fmt\"\n)\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(clean) != 0 {
		t.Errorf("clean source reported %q", clean)
	}
}

// privateKeyTypes are the key types of the standard library, and the
// interfaces any private key implements.
var (
	privateKeyTypes = []reflect.Type{
		reflect.TypeFor[ecdsa.PrivateKey](), reflect.TypeFor[rsa.PrivateKey](),
		reflect.TypeFor[ed25519.PrivateKey](), reflect.TypeFor[ecdh.PrivateKey](),
	}
	signerType    = reflect.TypeFor[crypto.Signer]()
	decrypterType = reflect.TypeFor[crypto.Decrypter]()
)

func isPrivateKey(t reflect.Type) bool {
	if slices.Contains(privateKeyTypes, t) {
		return true
	}
	if t.Kind() != reflect.Interface && (t.Implements(signerType) || t.Implements(decrypterType)) {
		return true
	}
	return t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface &&
		(reflect.PointerTo(t).Implements(signerType) || reflect.PointerTo(t).Implements(decrypterType))
}

// privateKeysIn walks v deeply — pointers, interfaces (by their dynamic
// value), struct fields exported or not, slices, arrays and maps — and
// returns the path of every private key it holds.
func privateKeysIn(v reflect.Value) []string {
	var out []string
	seen := map[uintptr]bool{}
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		if !v.IsValid() {
			return
		}
		if isPrivateKey(v.Type()) {
			out = append(out, path)
			return
		}
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() || seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
			walk(v.Elem(), path)
		case reflect.Interface:
			walk(v.Elem(), path)
		case reflect.Struct:
			for i := range v.NumField() {
				walk(v.Field(i), path+"."+v.Type().Field(i).Name)
			}
		case reflect.Slice, reflect.Array:
			if v.Type().Elem().Kind() == reflect.Uint8 {
				return // raw bytes: DER, hashes; a key in raw bytes is the disk search's job
			}
			for i := range v.Len() {
				walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
			}
		case reflect.Map:
			for _, k := range v.MapKeys() {
				walk(v.MapIndex(k), fmt.Sprintf("%s[%v]", path, k))
			}
		}
	}
	walk(v, "")
	return out
}

// TestAuthorityHoldsOnlyTheLeafKey: New discards the CA's private key once
// the leaf is signed, so an Authority holds exactly one private key, the
// leaf's, in Leaf.PrivateKey. That is the only key that could ever leak to
// disk, and the one suites/faults/tlsca_disk_test.go hunts for.
func TestAuthorityHoldsOnlyTheLeafKey(t *testing.T) {
	a, err := New([]string{"app.localhost", "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	got := privateKeysIn(reflect.ValueOf(a))
	if want := []string{".Leaf.PrivateKey"}; !slices.Equal(got, want) {
		t.Fatalf("private keys in an Authority at %q; want only %q", got, want)
	}
	signer, ok := a.Leaf.PrivateKey.(crypto.Signer)
	if !ok {
		t.Fatalf("Leaf.PrivateKey is a %T, not a crypto.Signer", a.Leaf.PrivateKey)
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	pub := signer.Public().(equaler)
	if !pub.Equal(a.Leaf.Leaf.PublicKey) {
		t.Error("Leaf.PrivateKey does not belong to the leaf certificate")
	}
	if pub.Equal(a.CA.PublicKey) {
		t.Error("Leaf.PrivateKey is the CA's key")
	}

	// No exported or unexported field of any type can hold a key other than
	// the one above: Authority's own fields are exactly these.
	var fields []string
	at := reflect.TypeFor[Authority]()
	for i := range at.NumField() {
		fields = append(fields, at.Field(i).Name+" "+at.Field(i).Type.String())
	}
	sort.Strings(fields)
	want := []string{"CA *x509.Certificate", "Leaf tls.Certificate", "SPKIHash string"}
	if !slices.Equal(fields, want) {
		t.Errorf("Authority's fields are %q; want %q — a new field must be checked for key material, then added here", fields, want)
	}
}

// The walker finds keys where a careless change would put them: an
// unexported field, behind an interface, in a slice, in a map.
func TestPrivateKeyWalkerFindsHiddenKeys(t *testing.T) {
	a, err := New([]string{"app.localhost"})
	if err != nil {
		t.Fatal(err)
	}
	key := a.Leaf.PrivateKey
	type leaky struct {
		Authority
		caKey   *ecdsa.PrivateKey
		signer  crypto.Signer
		anyKey  any
		keys    []crypto.PrivateKey
		byName  map[string]any
		certs   []tls.Certificate
		rootPEM []byte
		root    *x509.Certificate
	}
	l := &leaky{
		Authority: *a,
		caKey:     key.(*ecdsa.PrivateKey),
		signer:    key.(crypto.Signer),
		anyKey:    key,
		keys:      []crypto.PrivateKey{nil, key},
		byName:    map[string]any{"ca": key},
		certs:     []tls.Certificate{a.Leaf},
		root:      a.CA,
	}
	got := privateKeysIn(reflect.ValueOf(l))
	sort.Strings(got)
	want := []string{
		".Authority.Leaf.PrivateKey", ".anyKey", ".byName[ca]", ".caKey",
		".certs[0].PrivateKey", ".keys[1]", ".signer",
	}
	if !slices.Equal(got, want) {
		t.Errorf("walker found keys at %q; want %q", got, want)
	}
}
