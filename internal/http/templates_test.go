package http

import (
	"io/fs"
	xmaps "maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/template/parse"
	"unicode"
)

// TestTemplatesHoldNoWords checks that the templates name the catalogue's keys and hold
// no words of their own: no text between tags, and no user-facing attribute (alt, title,
// aria-label, placeholder …), may hold letters but for the name iltod. Words there would
// show in one language whatever the reader chose.
func TestTemplatesHoldNoWords(t *testing.T) {
	files := map[string]fs.FS{}
	for _, glob := range []struct {
		fsys fs.FS
		dir  string
	}{{templateFS, "templates"}, {webTemplateFS, "templates/web"}} {
		entries, err := fs.ReadDir(glob.fsys, glob.dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".html") {
				files[glob.dir+"/"+e.Name()] = glob.fsys
			}
		}
	}
	if len(files) < 15 {
		t.Fatalf("found only %d templates", len(files))
	}
	for name, fsys := range files {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range templateWords(t, name, string(src)) {
			t.Errorf("%s: %q is a word in the template: put it in locales/*.toml and name its key with .L", name, w)
		}
	}
}

// TestTemplateWordsFinds checks the check: words between tags, in a user-facing attribute
// and in a branch of an action are found; markup, actions and the name iltod are not.
func TestTemplateWordsFinds(t *testing.T) {
	src := `{{define "x"}}<p class="demo" data-x="{{.X}}">{{.L "web.footer"}} — 12 · iltod &amp; {{.N 3}}%</p>` +
		`<img alt="Map" src="/m.svg"><a title="{{.T}}" href="/a?b=c">{{if .A}}Hello{{else}}{{.L "k"}}{{end}}</a>` +
		`<!-- a comment --><input placeholder="Search"><span aria-label="Жишээ">→</span>` +
		`<pre>iltod verify receipt</pre> <code class="x">{{.ID}} dataset</code> <a href="/log/">/log/</a>` +
		`<th>z</th><option>NIST SP 1500-100 JSON</option> v{{.V}}<p>Big</p>{{end}}`
	got := templateWords(t, "test", src)
	want := []string{"Map", "Search", "Жишээ", "Hello", "Big"} // attributes first, then text
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("found %q, want %q", got, want)
	}
}

var (
	htmlComment = regexp.MustCompile(`(?s)<!--.*?-->`)
	// htmlCode matches code, commands and paths, which are the same in every language.
	htmlCode = regexp.MustCompile(`(?s)<(code|pre|kbd|samp)\b[^>]*>.*?</(?:code|pre|kbd|samp)>`)
	htmlTag  = regexp.MustCompile(`(?s)<[^>]*>`)
	// userAttr matches an attribute whose value people read or hear.
	userAttr  = regexp.MustCompile(`\b(?:alt|title|aria-label|aria-description|aria-roledescription|placeholder|label|summary)="([^"]*)"`)
	htmlRef   = regexp.MustCompile(`&(?:#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);`)
	wordSplit = regexp.MustCompile(`\s+`)
	technical = regexp.MustCompile(`^[A-Z][A-Z0-9-]*$`)
)

// templateWords returns the words of src outside its actions, in order. Each action is
// replaced by a NUL, so that markup split by actions is read whole.
func templateWords(t *testing.T, name, src string) []string {
	t.Helper()
	// The template functions are not needed to read the text: skip checking them.
	tr := parse.New(name)
	tr.Mode = parse.SkipFuncCheck
	trees := map[string]*parse.Tree{}
	if _, err := tr.Parse(src, "{{", "}}", trees); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var b strings.Builder
	for _, n := range slices.Sorted(xmaps.Keys(trees)) {
		flatten(&b, trees[n].Root)
		b.WriteByte(0)
	}
	text := htmlComment.ReplaceAllString(b.String(), "")
	text = htmlCode.ReplaceAllString(text, " ")
	var words []string
	for _, tag := range htmlTag.FindAllString(text, -1) {
		for _, m := range userAttr.FindAllStringSubmatch(tag, -1) {
			words = append(words, lettered(m[1])...)
		}
	}
	words = append(words, lettered(htmlTag.ReplaceAllString(text, " "))...)
	return words
}

// flatten writes the text of a template tree, each action as a NUL.
func flatten(b *strings.Builder, n parse.Node) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			flatten(b, c)
		}
	case *parse.TextNode:
		b.Write(n.Text)
	case *parse.IfNode:
		b.WriteByte(0)
		flatten(b, n.List)
		b.WriteByte(0)
		flatten(b, n.ElseList)
		b.WriteByte(0)
	case *parse.RangeNode:
		b.WriteByte(0)
		flatten(b, n.List)
		b.WriteByte(0)
		flatten(b, n.ElseList)
		b.WriteByte(0)
	case *parse.WithNode:
		b.WriteByte(0)
		flatten(b, n.List)
		b.WriteByte(0)
		flatten(b, n.ElseList)
		b.WriteByte(0)
	default:
		b.WriteByte(0)
	}
}

// lettered returns the pieces of s, split at spaces and actions, that hold a letter, but
// for names that are the same in every language: iltod, a path ("/log/"), a technical
// name in capitals ("CSV", "SHA-256") and a one-letter symbol ("z", the "v" of v2).
func lettered(s string) []string {
	s = htmlRef.ReplaceAllString(s, " ")
	var out []string
	for _, w := range wordSplit.Split(strings.ReplaceAll(s, "\x00", " "), -1) {
		if w == "" || w == "iltod" || strings.HasPrefix(w, "/") || technical.MatchString(w) ||
			len([]rune(w)) == 1 || !strings.ContainsFunc(w, unicode.IsLetter) {
			continue
		}
		out = append(out, w)
	}
	return out
}
