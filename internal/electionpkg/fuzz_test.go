package electionpkg_test

import (
	"reflect"
	"sort"
	"testing"
	"testing/fstest"

	"github.com/iltod/iltod/internal/electionpkg"
)

// FuzzRead replaces one file of the example package with arbitrary bytes. Read must never
// panic, must return either a package or an error (never both), and any package it accepts
// must survive a write and a second read unchanged.
func FuzzRead(f *testing.F) {
	base := example(f)
	// A taxonomy of its own, so that taxonomy.yaml is read, replaced and written too.
	base[electionpkg.TaxonomyFile] = &fstest.MapFile{Data: []byte("version: 1\nseverities: [{code: low, label: {en: Low, mn: Бага}}]\n" +
		"groups: [{code: local, label: {en: Local}, categories: [{code: noise, label: {en: Noise}}]}]\n")}
	names := make([]string, 0, len(base))
	for n := range base {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		f.Add(uint8(i), base[n].Data)
	}
	f.Add(uint8(0), []byte("code,area\n\"x\n"))
	f.Add(uint8(1), []byte("contests: [{code: &a x, name: *a}]"))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		m := fstest.MapFS{}
		for n, file := range base {
			m[n] = &fstest.MapFile{Data: file.Data}
		}
		m[names[int(which)%len(names)]] = &fstest.MapFile{Data: data}
		p, err := electionpkg.Read(m)
		if (p == nil) == (err == nil) {
			t.Fatalf("Read returned package %v and error %v", p != nil, err)
		}
		if err != nil {
			return
		}
		dir := t.TempDir()
		if err := electionpkg.Write(dir, p); err != nil {
			t.Fatalf("write an accepted package: %v", err)
		}
		q, err := electionpkg.ReadDir(dir)
		if err != nil {
			t.Fatalf("an accepted package does not read back: %v", err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip changed the package:\n%+v\n%+v", p, q)
		}
	})
}
