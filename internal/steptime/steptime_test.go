package steptime

import (
	"os"
	"path/filepath"
	"testing"
)

func TestMarkAndRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "steps")
	t.Setenv(Env, path)
	Mark("start")
	Mark("end")
	Mark("start") // the first time of a step counts
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["end"].Before(got["start"]) {
		t.Fatalf("Read = %v; want start then end", got)
	}
}

func TestMarkWithoutEnvWritesNothing(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv(Env, "")
	Mark("start")
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Fatalf("Mark wrote %s without %s", entries[0].Name(), Env)
	}
}

func TestReadRejectsBadLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "steps")
	if err := os.WriteFile(path, []byte("start soon\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path); err == nil {
		t.Fatal("Read accepted a line without a time")
	}
}
