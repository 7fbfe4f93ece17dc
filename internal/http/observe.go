package http

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"sort"
	"strings"

	"github.com/iltod/iltod/locales"
)

// The observer app (docs/observer-app.md) is a web app that iltod serves at /observe/.
// Everything it needs is here and nowhere else: no CDN, no third-party script. Its words
// come from the catalogue's [observe] section, sent once as messages.json and kept offline by the service worker with
// the rest of the shell.

//go:embed observe
var observeFS embed.FS

// observeCSP is the app's Content-Security-Policy: its own scripts, styles, images and
// API only. blob: images are the previews of protocol photos, made on the phone.
const observeCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; " +
	"connect-src 'self'; manifest-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'none'; " +
	"frame-ancestors 'none'"

// observeAsset is one file of the app, ready to serve.
type observeAsset struct {
	body        []byte
	gz          []byte // body gzipped, when that is smaller
	contentType string
}

// observeApp holds the app's files, built once when the package is initialised.
type observeApp struct {
	files   map[string]observeAsset // by name under /observe/; "" is the shell
	version string                  // a digest of all files, which names the service worker's cache
}

var observe = buildObserveApp()

// buildObserveApp renders the shell, the catalogue's messages, the manifest and the
// icons, and stamps the service worker with the version of the whole. A missing file or
// message stops the program at start-up (and every test), never a request.
func buildObserveApp() *observeApp {
	a := &observeApp{files: map[string]observeAsset{}}
	read := func(name string) []byte {
		b, err := observeFS.ReadFile("observe/" + name)
		if err != nil {
			panic(fmt.Sprintf("observer app: %v", err))
		}
		return b
	}
	a.files["app.js"] = observeAsset{body: read("app.js"), contentType: "text/javascript; charset=utf-8"}
	a.files["app.css"] = observeAsset{body: read("app.css"), contentType: "text/css; charset=utf-8"}
	a.files["icon.svg"] = observeAsset{body: read("icon.svg"), contentType: "image/svg+xml"}
	a.files["messages.json"] = observeAsset{body: observeMessages(), contentType: "application/json"}
	a.files["manifest.webmanifest"] = observeAsset{body: observeManifest(), contentType: "application/manifest+json"}
	for _, size := range []int{192, 512} {
		a.files[fmt.Sprintf("icon-%d.png", size)] = observeAsset{body: observeIcon(size), contentType: "image/png"}
	}
	shell := template.Must(template.New("observe").Funcs(template.FuncMap{
		"L": func(key string) (string, error) { return label(locales.Default, key) },
		"All": func(key string) []langText {
			return inAll(locales.Default, key)
		},
	}).Parse(string(read("index.html"))))
	var buf bytes.Buffer
	if err := shell.Execute(&buf, nil); err != nil {
		panic(fmt.Sprintf("observer app: %v", err))
	}
	a.files[""] = observeAsset{body: buf.Bytes(), contentType: "text/html; charset=utf-8"}

	names := make([]string, 0, len(a.files))
	for name := range a.files {
		names = append(names, name)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, name := range names {
		fmt.Fprintf(h, "%s %d\n", name, len(a.files[name].body))
		h.Write(a.files[name].body)
	}
	sw := read("sw.js")
	h.Write(sw)
	a.version = hex.EncodeToString(h.Sum(nil))[:16]
	if !bytes.Contains(sw, []byte("__VERSION__")) {
		panic("observer app: sw.js has no __VERSION__ to stamp")
	}
	a.files["sw.js"] = observeAsset{body: bytes.ReplaceAll(sw, []byte("__VERSION__"), []byte(a.version)), contentType: "text/javascript; charset=utf-8"}
	for name, f := range a.files {
		if z := gzipped(f.body); len(z) < len(f.body) {
			f.gz = z
			a.files[name] = f
		}
	}
	return a
}

// observeMessages is messages.json: for each language, the app's keys and their texts
// with placeholders unfilled ({{.Name}}), which app.js fills.
func observeMessages() []byte {
	out := map[string]map[string]string{}
	for _, lang := range locales.Languages {
		m := map[string]string{}
		for _, key := range locales.Keys(lang) {
			// The app's own words are [observe] itself and [observe.relay]; its other
			// subsections ([observe.sms], [observe.odk]) are the other channels'
			// replies, which no phone needs.
			name, ok := strings.CutPrefix(key, "observe.")
			if !ok || strings.Contains(name, ".") && !strings.HasPrefix(name, "relay.") {
				continue
			}
			if locales.Plural(lang, key) {
				panic(fmt.Sprintf("observer app: %s has plural forms, which app.js cannot choose between", key))
			}
			m[key], _ = locales.Source(lang, key)
		}
		out[lang] = m
	}
	b, err := json.Marshal(struct {
		Default   string                       `json:"default"`
		Languages []string                     `json:"languages"`
		Messages  map[string]map[string]string `json:"messages"`
	}{locales.Default, locales.Languages, out})
	if err != nil {
		panic(err)
	}
	return b
}

// observeManifest is the web app manifest, in the default language.
func observeManifest() []byte {
	type icon struct {
		Src   string `json:"src"`
		Sizes string `json:"sizes"`
		Type  string `json:"type"`
	}
	b, err := json.MarshalIndent(map[string]any{
		"name":             tr(locales.Default, "observe.app_name"),
		"short_name":       tr(locales.Default, "observe.app_short_name"),
		"description":      tr(locales.Default, "observe.app_description"),
		"lang":             locales.Default,
		"id":               "/observe/",
		"start_url":        "/observe/",
		"scope":            "/observe/",
		"display":          "standalone",
		"background_color": "#ffffff",
		"theme_color":      "#1d4e89",
		"icons": []icon{
			{"/observe/icon-192.png", "192x192", "image/png"},
			{"/observe/icon-512.png", "512x512", "image/png"},
			{"/observe/icon.svg", "any", "image/svg+xml"},
		},
	}, "", "  ")
	if err != nil {
		panic(err)
	}
	return b
}

// observeIcon draws the app's icon, a white tick on the app's blue, size pixels square.
func observeIcon(size int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	blue := color.NRGBA{0x1d, 0x4e, 0x89, 0xff}
	white := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	f := float64(size)
	// The tick: two strokes, from (0.27,0.52) to (0.43,0.68) and on to (0.74,0.34).
	near := func(x, y, x1, y1, x2, y2, w float64) bool {
		dx, dy := x2-x1, y2-y1
		t := ((x-x1)*dx + (y-y1)*dy) / (dx*dx + dy*dy)
		t = max(0, min(1, t))
		px, py := x1+t*dx-x, y1+t*dy-y
		return px*px+py*py <= w*w
	}
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			u, v := (float64(x)+0.5)/f, (float64(y)+0.5)/f
			c := blue
			if near(u, v, 0.27, 0.52, 0.43, 0.68, 0.055) || near(u, v, 0.43, 0.68, 0.74, 0.34, 0.055) {
				c = white
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// observeShell serves the app's one page. Every path under /observe/ that names no file
// is the app too (the app keeps its state in the fragment), so a reload anywhere works.
func (s *Server) observeShell(w http.ResponseWriter, r *http.Request) {
	s.serveObserve(w, r, observe.files[""])
}

// observeFile serves one of the app's files.
func (s *Server) observeFile(w http.ResponseWriter, r *http.Request) {
	f, ok := observe.files[r.PathValue("file")]
	if !ok || r.PathValue("file") == "" {
		http.NotFound(w, r)
		return
	}
	s.serveObserve(w, r, f)
}

func (s *Server) serveObserve(w http.ResponseWriter, r *http.Request, f observeAsset) {
	h := w.Header()
	h.Set("Content-Security-Policy", s.csp)
	h.Set("Content-Type", f.contentType)
	// The service worker decides what is fresh: the browser always asks the server, and
	// the ETag makes that cheap.
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", `"`+observe.version+`"`)
	if r.Header.Get("If-None-Match") == `"`+observe.version+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Add("Vary", "Accept-Encoding")
	if f.gz != nil && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		w.Write(f.gz)
		return
	}
	w.Write(f.body)
}

// ObserveShellSize returns the size in bytes of the app's shell (the page, its script,
// style, messages, manifest, icons and service worker), each file gzipped as served.
func ObserveShellSize() (raw, gz int) {
	for _, f := range observe.files {
		raw += len(f.body)
		gz += len(gzipped(f.body))
	}
	return raw, gz
}

// gzipped returns b compressed as the server sends it.
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}
