package repocheck

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestFuzzTargetsListed: `make fuzz` runs every fuzz target the code has,
// and nothing that is not one.
func TestFuzzTargetsListed(t *testing.T) {
	root := filepath.Join("..", "..")
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	listed := fuzzList(t, string(makefile))
	var found []string
	fuzzFunc := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(`)
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		for _, m := range fuzzFunc.FindAllStringSubmatch(string(src), -1) {
			found = append(found, "./"+filepath.ToSlash(rel)+":"+m[1])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) == 0 {
		t.Fatal("no fuzz targets found in the repository")
	}
	slices.Sort(found)
	slices.Sort(listed)
	for _, f := range found {
		if !slices.Contains(listed, f) {
			t.Errorf("%s is not in the Makefile's FUZZ_TARGETS", f)
		}
	}
	for _, l := range listed {
		if !slices.Contains(found, l) {
			t.Errorf("the Makefile's FUZZ_TARGETS names %s, which is no fuzz target", l)
		}
	}
}

// fuzzList reads the FUZZ_TARGETS variable of a Makefile: "./pkg:FuzzName"
// words over continued lines.
func fuzzList(t *testing.T, makefile string) []string {
	_, rest, ok := strings.Cut(makefile, "FUZZ_TARGETS :=")
	if !ok {
		t.Fatal("the Makefile has no FUZZ_TARGETS")
	}
	var list []string
	for line := range strings.Lines(rest) {
		line = strings.TrimSpace(line)
		more := strings.HasSuffix(line, `\`)
		for w := range strings.FieldsSeq(strings.TrimSuffix(line, `\`)) {
			list = append(list, w)
		}
		if !more {
			break
		}
	}
	return list
}
