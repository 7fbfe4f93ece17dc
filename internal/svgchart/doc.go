// Package svgchart draws charts as self-contained, accessible SVG on the server, so that
// results pages need no scripts, no inline styles and no client-side charting library.
//
// Each chart is described by a plain struct (Heatmap, Histogram, Lines, Intervals, Bars)
// and drawn by its SVG method, which returns the SVG as template.HTML, ready to place in
// an html/template page ({{.Turnout.SVG}}) or to serve as an image/svg+xml file.
//
// Every chart:
//   - has role="img" and is labelled by its <title> and <desc>, both taken from the
//     caller; all visible and accessible text is the caller's, so the caller localises
//     it (the package formats numbers with ASCII digits unless an Axis has a Format);
//   - has a viewBox and width="100%", so it scales to the width of its container;
//   - styles marks only with SVG presentation attributes (fill="…", stroke="…"), never a
//     style attribute or element, so it passes a Content-Security-Policy without
//     'unsafe-inline';
//   - uses a colour-blind-safe palette (Okabe–Ito hues darkened to at least 3:1 against
//     white, and viridis for the heat map), text at least 7:1 against white, and never
//     colour alone: marks carry <title> tooltips with their values, series differ in dash
//     pattern or shape, and legends name every colour;
//   - is deterministic: the same input gives the same bytes.
//
// All text, including labels, titles and colours supplied by the caller, is escaped for
// XML. Non-finite values (NaN, ±Inf) are treated as missing and are not drawn.
//
// A chart conveys its data to sighted users; pages should also offer the same numbers as
// a table for screen-reader users, since role="img" hides the marks' tooltips from them.
//
// The functions are pure and safe for concurrent use.
package svgchart
