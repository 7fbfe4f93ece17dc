// The in-page accessibility checks of browsertest (a11y.go). The file is one
// JavaScript function expression; Go calls it with a mode:
//   "problems": returns an array of strings, the problems of the page;
//   "focus": returns a description of document.activeElement.
// It uses nothing but the DOM: no library, no network.
(mode) => {
  "use strict";
  const clean = (s) => (s || "").replace(/\s+/g, " ").trim();
  const snippet = (s) => {
    s = clean(s);
    return s.length > 40 ? s.slice(0, 37) + "..." : s;
  };

  // hiddenFromAT reports whether el is out of the accessibility tree: not
  // rendered (display: none, visibility: hidden, the hidden attribute) or in
  // an aria-hidden subtree.
  const hiddenFromAT = (el) => {
    if (el.closest("[aria-hidden=true]")) return true;
    return !el.checkVisibility({ checkVisibilityCSS: true, visibilityProperty: true });
  };

  // textOf is the name of el from its content, roughly as accname computes
  // it: text, and the names of images and of elements with aria-label.
  const textOf = (el) => {
    let out = "";
    for (const c of el.childNodes) {
      if (c.nodeType === Node.TEXT_NODE) {
        out += c.textContent;
        continue;
      }
      if (c.nodeType !== Node.ELEMENT_NODE) continue;
      const tag = c.localName;
      if (["script", "style", "template", "noscript"].includes(tag)) continue;
      if (c.getAttribute("aria-hidden") === "true") continue;
      if (tag === "title" && c.parentElement && c.parentElement.localName === "svg") continue;
      if (tag !== "svg" && !c.checkVisibility({ checkVisibilityCSS: true, visibilityProperty: true })) continue;
      // A control inside a label is not part of the label's text.
      if (["select", "textarea"].includes(tag)) continue;
      if (tag === "input" && !["submit", "reset", "button", "image"].includes((c.getAttribute("type") || "").toLowerCase())) continue;
      out += " " + nameOf(c) + " ";
    }
    return out;
  };

  const byIds = (ids) =>
    ids.split(/\s+/).map((id) => document.getElementById(id)).filter(Boolean)
      .map((e) => clean(e.getAttribute("aria-label")) || clean(textOf(e))).join(" ");

  // nameOf is the accessible name of el, simplified from accname 1.2:
  // aria-labelledby, aria-label, the native ways (alt, label, value, title
  // of an svg), the content, and last the title attribute.
  const visiting = new Set(); // against cycles through aria-labelledby
  const nameOf = (el) => {
    if (visiting.has(el)) return "";
    visiting.add(el);
    try {
      return nameOf1(el);
    } finally {
      visiting.delete(el);
    }
  };
  const nameOf1 = (el) => {
    let n;
    const lb = el.getAttribute("aria-labelledby");
    if (lb && (n = clean(byIds(lb)))) return n;
    if ((n = clean(el.getAttribute("aria-label")))) return n;
    const tag = el.localName;
    const type = tag === "input" ? (el.getAttribute("type") || "text").toLowerCase() : "";
    if (tag === "img" || tag === "area" || type === "image") {
      if (el.hasAttribute("alt")) return clean(el.getAttribute("alt"));
      return clean(el.getAttribute("title"));
    }
    if (tag === "svg") {
      const t = el.querySelector(":scope > title");
      if (t && (n = clean(t.textContent))) return n;
      return "";
    }
    if (["input", "select", "textarea"].includes(tag)) {
      if (["submit", "reset", "button"].includes(type)) {
        if ((n = clean(el.value))) return n;
        return type === "submit" ? "Submit" : type === "reset" ? "Reset" : clean(el.getAttribute("title"));
      }
      if (el.labels && (n = clean(Array.from(el.labels, (l) => textOf(l)).join(" ")))) return n;
      return clean(el.getAttribute("title"));
    }
    if ((n = clean(textOf(el)))) return n;
    return clean(el.getAttribute("title"));
  };

  // describe names el for a person reading a test failure: the tag, the id
  // or the classes, some attributes, and a snippet of its text or name.
  const describe = (el) => {
    let s = el.localName;
    if (el.id) s += "#" + el.id;
    const cls = clean(el.getAttribute("class"));
    if (cls) s += "." + cls.split(" ").join(".");
    if (el.localName === "input") s += "[type=" + (el.getAttribute("type") || "text") + "]";
    if (!el.id && el.getAttribute("name")) s += "[name=" + el.getAttribute("name") + "]";
    if (el.localName === "img" && el.getAttribute("src")) s += "[src=" + snippet(el.getAttribute("src")) + "]";
    if (el.localName === "a" && el.getAttribute("href")) s += "[href=" + snippet(el.getAttribute("href")) + "]";
    const text = snippet(el.innerText || el.textContent || nameOf(el));
    if (text) s += ' "' + text + '"';
    return s;
  };

  if (mode === "focus") {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return "body";
    let s = el.localName;
    if (el.id) s += "#" + el.id;
    const n = snippet(nameOf(el));
    if (n) s += ' "' + n + '"';
    return s;
  }

  const problems = [];
  const add = (msg) => { if (problems.length < 200) problems.push(msg); };
  const all = (sel) => Array.from(document.querySelectorAll(sel));

  // The page: a language, one h1.
  if (!clean(document.documentElement.getAttribute("lang"))) {
    add("the html element has no lang attribute");
  }
  const h1s = all("h1").filter((e) => !hiddenFromAT(e));
  if (h1s.length === 0) add("the page has no h1");
  if (h1s.length > 1) add("the page has " + h1s.length + " h1 elements, not one: " + h1s.map(describe).join(", "));

  // Images have a text alternative (alt="" marks a decorative one).
  for (const el of all("img, [role=img], input[type=image i], area[href]")) {
    if (hiddenFromAT(el) && el.localName !== "area") continue;
    const role = el.getAttribute("role");
    if (el.localName === "img" && (role === "presentation" || role === "none")) continue;
    if (el.localName === "img" && el.hasAttribute("alt")) continue;
    if (!nameOf(el)) add("image without a text alternative (alt or aria-label): " + describe(el));
  }

  // Form controls have a label.
  for (const el of all("input, select, textarea")) {
    const type = el.localName === "input" ? (el.getAttribute("type") || "text").toLowerCase() : "";
    if (["hidden", "submit", "reset", "button", "image"].includes(type)) continue;
    if (hiddenFromAT(el)) continue;
    let labelled = false;
    const lb = el.getAttribute("aria-labelledby");
    if (lb && clean(byIds(lb))) labelled = true;
    if (clean(el.getAttribute("aria-label"))) labelled = true;
    if (el.labels && clean(Array.from(el.labels, (l) => textOf(l)).join(" "))) labelled = true;
    if (!labelled) add("form control without a label (label[for], aria-label or aria-labelledby): " + describe(el));
  }

  // Links and buttons say what they do.
  for (const el of all("a[href], button, [role=button], [role=link], input[type=button i], input[type=submit i], input[type=reset i]")) {
    if (hiddenFromAT(el)) continue;
    if (!nameOf(el)) {
      const what = el.localName === "a" || el.getAttribute("role") === "link" ? "link" : "button";
      add(what + " without discernible text: " + describe(el));
    }
  }

  // The tab order is the document order.
  for (const el of all("[tabindex]")) {
    const v = parseInt(el.getAttribute("tabindex"), 10);
    if (v > 0) add("positive tabindex " + v + " (changes the tab order): " + describe(el));
  }

  // Headings go down one level at a time.
  let prev = null;
  for (const el of all("h1, h2, h3, h4, h5, h6, [role=heading]")) {
    if (hiddenFromAT(el)) continue;
    let level = /^h[1-6]$/.test(el.localName) ? Number(el.localName[1]) : 2;
    const aria = parseInt(el.getAttribute("aria-level"), 10);
    if (aria > 0) level = aria;
    if (prev && level > prev.level + 1) {
      add("heading level skipped: h" + prev.level + " " + describe(prev.el) + " is followed by h" + level + " " + describe(el));
    }
    prev = { el, level };
  }

  // Text contrast (WCAG 2 SC 1.4.3): 4.5:1, or 3:1 for large text.
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 1;
  const cx = canvas.getContext("2d", { willReadFrequently: true });
  // rgba parses a computed colour into [r, g, b, a], with r, g, b in 0..255
  // and a in 0..1; colours other than rgb() go through a canvas.
  const rgba = (c) => {
    const m = /^rgba?\(([^)]*)\)$/.exec(c);
    if (m) {
      const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
      return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
    }
    cx.clearRect(0, 0, 1, 1);
    cx.fillStyle = "rgba(0,0,0,0)";
    cx.fillStyle = c;
    cx.fillRect(0, 0, 1, 1);
    const d = cx.getImageData(0, 0, 1, 1).data;
    return [d[0], d[1], d[2], d[3] / 255];
  };
  const over = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const luminance = (c) => {
    const lin = c.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  };
  const hex = (c) => "#" + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
  // background is the opaque colour behind el, from the background colours
  // of el and its ancestors over a white canvas, or null when an image or a
  // gradient is behind it and the colour cannot be known.
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.backgroundImage && s.backgroundImage !== "none") return null;
      const c = rgba(s.backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let bg = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  };
  const hasText = (el) => {
    if (el.localName === "input") return ["submit", "reset", "button"].includes((el.getAttribute("type") || "").toLowerCase()) && clean(el.value);
    for (const c of el.childNodes) if (c.nodeType === Node.TEXT_NODE && clean(c.textContent)) return true;
    return false;
  };
  const skip = ["script", "style", "noscript", "template", "title", "select", "option", "optgroup", "textarea"];
  for (const el of all("body *")) {
    if (skip.includes(el.localName) || el.closest("svg") || !hasText(el)) continue;
    if (!el.checkVisibility({ checkVisibilityCSS: true, visibilityProperty: true, checkOpacity: true, opacityProperty: true })) continue;
    if (el.matches(":disabled") || el.closest("[aria-disabled=true]")) continue;
    const s = getComputedStyle(el);
    const bg = background(el);
    if (!bg) continue;
    const fg = over(rgba(s.color), bg);
    const l1 = luminance(fg), l2 = luminance(bg);
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
    const need = large ? 3 : 4.5;
    if (ratio < need) {
      add("low text contrast " + ratio.toFixed(2) + ":1, needs " + need + ":1" + (large ? " (large text)" : "") +
        ": " + describe(el) + " (" + hex(fg) + " on " + hex(bg) + ", " + s.fontSize + ")");
    }
  }
  return problems;
}
