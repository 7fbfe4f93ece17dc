// iltod observer app (docs/observer-app.md).
//
// The observer's phone makes an Ed25519 key in WebCrypto (non-extractable, kept in
// IndexedDB), enrolls it with a one-time code, and signs every report into the same
// envelope as the JSON API. Reports wait in IndexedDB and go out whenever the network
// is there; the app shows each one's state, from queued to in the log, and keeps its
// receipt. Every word comes from the catalogue (messages.json); nothing here is shown to
// the reader as it is written in this file.
'use strict';
(() => {
  const DB_NAME = 'iltod-observe';
  const REPORT_DOMAIN = 'iltod report v1\n';
  const REQUEST_DOMAIN = 'iltod request v1\n';
  const MAX_BACKOFF = 300e3; // ms
  const PHOTO_MAX_SIDE = 1600; // px: enough to read a protocol, small enough to send on 2G

  const $ = (sel, root = document) => root.querySelector(sel);
  const main = () => $('#main');

  // ---- words ---------------------------------------------------------------------
  let M = { default: 'mn', languages: ['mn', 'en'], messages: { mn: {}, en: {} } };
  let lang = 'mn';

  // t returns the catalogue's message key in the app's language, its {{.Name}}
  // placeholders filled from args.
  function t(key, args) {
    const s = (M.messages[lang] || {})[key] ?? (M.messages.en || {})[key] ?? key;
    return s.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_, n) => (args && n in args ? String(args[n]) : ''));
  }
  const text = (x) => (x && (x[lang] || x.mn || x.en || Object.values(x)[0])) || '';
  const fmtInt = (n) => new Intl.NumberFormat(lang === 'mn' ? 'mn-MN' : 'en-GB').format(n);
  // fmtTime writes a moment in the phone's time zone, in the catalogue's words: browsers
  // do not all carry Mongolian date formats.
  const fmtTime = (iso) => {
    const d = new Date(iso);
    if (isNaN(d)) return iso;
    const p = (n) => String(n).padStart(2, '0');
    return t('observe.datetime', { Year: d.getFullYear(), Month: d.getMonth() + 1,
      Day: d.getDate(), Hour: p(d.getHours()), Minute: p(d.getMinutes()) });
  };

  // el builds an element: el('p', {class: 'note'}, 'text', child, ...).
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === false || v === null || v === undefined) continue;
      if (k === 'on') for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const k of kids.flat()) if (k !== null && k !== undefined && k !== false) e.append(k);
    return e;
  }

  function announce(msg) { const l = $('#live'); l.textContent = ''; setTimeout(() => { l.textContent = msg; }, 50); }

  // ---- IndexedDB -------------------------------------------------------------------
  let dbp = null;
  function db() {
    if (!dbp) {
      dbp = new Promise((resolve, reject) => {
        // Version 2 adds the incidents; each store is made where it is missing.
        const r = indexedDB.open(DB_NAME, 2);
        r.onupgradeneeded = () => {
          const d = r.result;
          for (const [name, opts] of [['kv'], ['reports', { keyPath: 'id' }], ['incidents', { keyPath: 'id' }]]) {
            if (!d.objectStoreNames.contains(name)) d.createObjectStore(name, opts);
          }
        };
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
    }
    return dbp;
  }
  async function idb(store, mode, fn) {
    const d = await db();
    return new Promise((resolve, reject) => {
      const tx = d.transaction(store, mode);
      const req = fn(tx.objectStore(store));
      tx.oncomplete = () => resolve(req && req.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }
  const kvGet = (k) => idb('kv', 'readonly', (s) => s.get(k));
  const kvPut = (k, v) => idb('kv', 'readwrite', (s) => s.put(v, k));
  const allReports = async () => (await idb('reports', 'readonly', (s) => s.getAll())) || [];
  const getReport = (id) => idb('reports', 'readonly', (s) => s.get(id));
  const putReport = (r) => idb('reports', 'readwrite', (s) => s.put(r));
  const allIncidents = async () => (await idb('incidents', 'readonly', (s) => s.getAll())) || [];
  const putIncident = (x) => idb('incidents', 'readwrite', (s) => s.put(x));

  // ---- bytes, canonical JSON, signatures ------------------------------------------
  const enc = new TextEncoder();
  function b64(bytes) {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }
  const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
  function cmpBytes(a, b) {
    for (let i = 0; i < a.length && i < b.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  }

  // canon writes v as iltod's canonical JSON (docs/reports.md §3): keys sorted by their
  // UTF-8 bytes, strings in NFC, integers only, no white space.
  function canon(v) {
    if (v === null) return 'null';
    switch (typeof v) {
      case 'boolean': return v ? 'true' : 'false';
      case 'number':
        if (!Number.isSafeInteger(v)) throw new Error('canonical JSON: not a safe integer');
        return String(v);
      case 'string': {
        const s = v.normalize('NFC');
        if (!s.isWellFormed()) throw new Error('canonical JSON: lone surrogate');
        return JSON.stringify(s);
      }
      case 'object': {
        if (Array.isArray(v)) return '[' + v.map(canon).join(',') + ']';
        const keys = Object.keys(v).filter((k) => v[k] !== undefined).map((k) => [k.normalize('NFC'), k]);
        keys.sort((a, b) => cmpBytes(enc.encode(a[0]), enc.encode(b[0])));
        return '{' + keys.map(([nk, k]) => JSON.stringify(nk) + ':' + canon(v[k])).join(',') + '}';
      }
    }
    throw new Error('canonical JSON: cannot encode ' + typeof v);
  }

  async function ed25519Works() {
    try {
      const k = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
      await crypto.subtle.sign({ name: 'Ed25519' }, k.privateKey, new Uint8Array(1));
      return true;
    } catch (e) {
      return false;
    }
  }

  // sealed signs domain+payload with the device key and returns the envelope's
  // canonical JSON: {"key","payload","sig"}.
  async function sealed(device, domain, obj) {
    const payload = enc.encode(canon(obj));
    const prefix = enc.encode(domain);
    const msg = new Uint8Array(prefix.length + payload.length);
    msg.set(prefix);
    msg.set(payload, prefix.length);
    const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, device.keys.privateKey, msg));
    return canon({ key: device.pub, payload: b64(payload), sig: b64(sig) });
  }

  function rfc3339(d) {
    const p = (n, w = 2) => String(n).padStart(w, '0');
    const off = -d.getTimezoneOffset();
    const sign = off >= 0 ? '+' : '-';
    const a = Math.abs(off);
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}` +
      `${sign}${p(Math.floor(a / 60))}:${p(a % 60)}`;
  }

  // ---- the server ------------------------------------------------------------------
  function headers(extra) {
    return Object.assign({ 'Accept-Language': lang, 'Content-Type': 'application/json' }, extra || {});
  }
  // apiError turns an error response into the server's message, in the app's language.
  async function apiError(res) {
    try {
      const j = await res.json();
      if (j && j.error && j.error.message) return { code: j.error.code, message: j.error.message };
    } catch (e) { /* not JSON */ }
    return { code: 'http_' + res.status, message: t('observe.error_http', { Status: res.status }) };
  }
  async function deviceRequest(device, path, obj) {
    const body = await sealed(device, REQUEST_DOMAIN, Object.assign({ time: rfc3339(new Date()) }, obj));
    const res = await fetch(path, { method: 'POST', headers: headers(), body });
    if (!res.ok) throw Object.assign(new Error('request'), { api: await apiError(res) });
    return res.json();
  }
  async function refreshAssignment(device) {
    const a = await deviceRequest(device, '/api/v1/devices/self', { op: 'assignment' });
    a.fetched = new Date().toISOString();
    a.offset = Date.parse(a.server_time) - Date.now();
    await kvPut('assignment', a);
    try { await refreshTaxonomy(a.election.id); } catch (e) { /* the incident screen asks again */ }
    return a;
  }
  // refreshTaxonomy keeps the election's incident categories and severities offline.
  async function refreshTaxonomy(election) {
    const res = await fetch(`/api/v1/elections/${encodeURIComponent(election)}/taxonomy`, { headers: headers() });
    if (!res.ok) throw Object.assign(new Error('taxonomy'), { api: await apiError(res) });
    const tax = await res.json();
    await kvPut('taxonomy', tax);
    return tax;
  }

  // ---- state -----------------------------------------------------------------------
  let device = null; // {keys, pub, key_id, device}
  let assignment = null;
  const drafts = new Map(); // station/form → {answers, photos}

  // ---- views -----------------------------------------------------------------------
  function setTitle(s) {
    document.title = s + ' · ' + t('observe.app_short_name');
  }
  function render(title, ...kids) {
    const m = main();
    m.replaceChildren(el('h1', { id: 'title' }, title), ...kids.flat().filter((k) => k !== null && k !== undefined && k !== false));
    setTitle(title);
    renderNav();
    m.focus({ preventScroll: false });
  }
  function renderNav() {
    const nav = $('#nav');
    nav.replaceChildren();
    if (device) {
      const h = location.hash;
      const here = h.startsWith('#/reports') ? 'reports' : h.startsWith('#/settings') ? 'settings' : h.startsWith('#/incident') ? 'incidents' : 'home';
      for (const [id, key] of [['home', 'observe.nav_home'], ['reports', 'observe.nav_reports'], ['incidents', 'observe.nav_incidents'],
        ['settings', 'observe.nav_settings']]) {
        nav.append(el('a', { href: id === 'home' ? '#/' : '#/' + id, 'aria-current': here === id ? 'page' : false }, t(key)));
      }
    }
    const b = $('#lang');
    const other = M.languages.find((l) => l !== lang) || 'en';
    b.hidden = false;
    b.textContent = (M.messages[other] || {})['observe.lang_name'] || other;
    b.setAttribute('lang', other);
    b.setAttribute('aria-label', (M.messages[other] || {})['observe.lang_switch'] || other);
    $('#brand').textContent = t('observe.app_short_name');
    $('#skip').textContent = t('observe.skip');
    nav.setAttribute('aria-label', t('observe.nav_label'));
  }
  function problem(items, heading) {
    const box = el('div', { class: 'problem', role: 'alert', tabindex: '-1' },
      el('strong', {}, heading || t('observe.problem')),
      items.length === 1 ? el('p', {}, items[0]) : el('ul', {}, items.map((i) => el('li', {}, i))));
    return box;
  }
  function otherRoutes() {
    return el('div', { class: 'card' },
      el('h2', {}, t('observe.routes_title')),
      el('p', {}, t('observe.routes_sms')),
      el('p', {}, t('observe.routes_odk')),
      el('p', {}, t('observe.routes_coordinator')));
  }

  function viewInsecure() {
    render(t('observe.insecure_title'),
      el('p', {}, t('observe.insecure_body')),
      el('p', {}, t('observe.insecure_fix')),
      otherRoutes());
  }
  function viewUnsupported(what) {
    render(t('observe.unsupported_title'),
      el('p', {}, t(what)),
      el('p', {}, t('observe.unsupported_fix')),
      otherRoutes());
  }

  function viewEnroll(err) {
    const fromLink = new URLSearchParams(location.hash.replace(/^#\/?/, '')).get('code') || '';
    const input = el('input', {
      type: 'text', id: 'code', name: 'code', autocomplete: 'one-time-code', autocapitalize: 'characters',
      spellcheck: 'false', inputmode: 'text', 'aria-describedby': 'code-hint', value: fromLink, required: true,
    });
    const button = el('button', { type: 'submit', id: 'enroll' }, t('observe.enroll_submit'));
    const form = el('form', { id: 'enroll-form', novalidate: true, on: { submit: (e) => { e.preventDefault(); enroll(input.value, button); } } },
      el('div', { class: 'q' },
        el('label', { for: 'code' }, t('observe.enroll_code')),
        input,
        el('span', { class: 'hint', id: 'code-hint' }, t('observe.enroll_code_hint'))),
      el('div', { class: 'actions' }, button));
    render(t('observe.enroll_title'),
      err ? problem([err]) : null,
      el('p', {}, t('observe.enroll_intro')),
      form,
      el('p', { class: 'note' }, t('observe.enroll_key_note')));
    if (err) $('.problem').focus();
  }

  async function enroll(code, button) {
    code = code.trim();
    if (!/^[A-Za-z0-9 -]{10,20}$/.test(code)) return viewEnroll(t('observe.enroll_bad_code'));
    button.disabled = true;
    button.textContent = t('observe.enroll_working');
    try {
      const keys = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
      const raw = new Uint8Array(await crypto.subtle.exportKey('raw', keys.publicKey));
      const res = await fetch('/api/v1/devices', { method: 'POST', headers: headers(), body: JSON.stringify({ code, key: b64(raw) }) });
      if (!res.ok) return viewEnroll((await apiError(res)).message);
      const j = await res.json();
      device = { keys, pub: b64(raw), key_id: j.device.key_id, device: j.device, enrolled: new Date().toISOString() };
      await kvPut('device', device);
      history.replaceState(null, '', '#/');
      try {
        assignment = await refreshAssignment(device);
      } catch (e) {
        // Enrolled, but the forms could not be fetched: the home view says so and retries.
      }
      announce(t('observe.enrolled'));
      route();
    } catch (e) {
      viewEnroll(e instanceof TypeError ? t('observe.offline_enroll') : t('observe.error_unexpected', { Detail: e.message }));
    }
  }

  function stationForms(st) {
    return st.forms || [];
  }

  async function viewHome() {
    if (!assignment) {
      try { assignment = await refreshAssignment(device); } catch (e) {
        return render(t('observe.home_title'), problem([e.api ? e.api.message : t('observe.forms_offline')]),
          el('div', { class: 'actions' }, el('button', { type: 'button', on: { click: () => route() } }, t('observe.retry'))));
      }
    }
    const reports = await allReports();
    const waiting = reports.filter((r) => r.state === 'queued').length;
    const kids = [
      el('p', {}, t('observe.home_election', { Election: text(assignment.election.name) })),
      waiting ? el('p', { class: 'status', id: 'waiting' }, t('observe.home_waiting', { Count: fmtInt(waiting) })) : null,
    ];
    kids.push(el('div', { class: 'actions' }, el('a', { class: 'button secondary', href: '#/incident', id: 'home-incident' }, t('observe.incident_new'))));
    if (!assignment.stations || assignment.stations.length === 0) kids.push(el('p', {}, t('observe.no_stations')));
    for (const st of assignment.stations || []) {
      const done = new Set(reports.filter((r) => r.station === st.code).map((r) => r.form));
      kids.push(el('section', { class: 'card station', 'aria-labelledby': 'st-' + st.code },
        el('h2', { id: 'st-' + st.code }, text(st.name)),
        el('p', { class: 'note' }, t('observe.station_code', { Code: st.code })),
        el('div', { class: 'forms' }, stationForms(st).map((f) => el('a', {
          href: `#/form/${encodeURIComponent(st.code)}/${encodeURIComponent(f.code)}`, 'data-form': f.code,
        }, text(f.name) + (done.has(f.code) ? ' — ' + t('observe.form_sent_before') : ''))))));
    }
    render(t('observe.home_title'), ...kids);
  }

  function findForm(stationCode, formCode) {
    const st = (assignment.stations || []).find((s) => s.code === stationCode);
    const f = st && stationForms(st).find((x) => x.code === formCode);
    return st && f ? { st, f } : null;
  }

  // ---- forms -------------------------------------------------------------------------
  function questionInput(q, draft) {
    const id = 'q-' + q.tag;
    const d = draft.answers[q.tag];
    const desc = [];
    const hint = [];
    if (q.type === 'integer') {
      if (q.min != null && q.max != null) hint.push(t('observe.hint_between', { Min: q.min, Max: q.max }));
      else if (q.min != null) hint.push(t('observe.hint_min', { Min: q.min }));
      else if (q.max != null) hint.push(t('observe.hint_max', { Max: q.max }));
    }
    if (q.required) hint.push(t('observe.hint_required'));
    const hintEl = hint.length ? el('span', { class: 'hint', id: id + '-hint' }, hint.join(' · ')) : null;
    if (hintEl) desc.push(id + '-hint');
    const errEl = el('span', { class: 'err', id: id + '-err', hidden: true });
    desc.push(id + '-err');
    const described = desc.join(' ');
    let body;
    const na = q.not_applicable ? el('label', { class: 'na' },
      el('input', { type: 'checkbox', 'data-na': q.tag, checked: d === null }), t('observe.not_applicable')) : null;
    switch (q.type) {
      case 'integer':
        body = [el('label', { for: id }, text(q.label)),
          el('input', { type: 'number', id, name: q.tag, inputmode: 'numeric', step: '1', min: q.min ?? false, max: q.max ?? false,
            'aria-describedby': described, 'aria-required': q.required ? 'true' : false, value: typeof d === 'number' ? String(d) : '' })];
        break;
      case 'text':
        body = [el('label', { for: id }, text(q.label)),
          el('textarea', { id, name: q.tag, maxlength: '4000', 'aria-describedby': described, 'aria-required': q.required ? 'true' : false },
            typeof d === 'string' ? d : '')];
        break;
      case 'time':
        body = [el('label', { for: id }, text(q.label)),
          el('input', { type: 'time', id, name: q.tag, 'aria-describedby': described, 'aria-required': q.required ? 'true' : false,
            value: typeof d === 'string' ? d : '' })];
        break;
      case 'photo': {
        const have = draft.photos[q.tag];
        body = [el('label', { for: id }, text(q.label)),
          el('input', { type: 'file', id, name: q.tag, accept: 'image/*', capture: 'environment', 'data-photo': q.tag,
            'aria-describedby': described, 'aria-required': q.required ? 'true' : false }),
          el('div', { class: 'photo', id: id + '-preview' }, have ? photoPreview(have) : null)];
        break;
      }
      default: {
        const opts = q.type === 'yes_no'
          ? [{ code: 'true', label: null, text: t('observe.yes') }, { code: 'false', label: null, text: t('observe.no') }]
          : (q.options || []);
        const multi = q.type === 'select_multiple';
        const checked = (code) => (q.type === 'yes_no' ? typeof d === 'boolean' && String(d) === code
          : multi ? Array.isArray(d) && d.includes(code) : d === code);
        return el('fieldset', { class: 'q', 'data-q': q.tag, 'aria-describedby': described },
          el('legend', {}, text(q.label)),
          opts.map((o, i) => el('label', { class: 'choice' },
            el('input', { type: multi ? 'checkbox' : 'radio', name: q.tag, value: o.code, id: i === 0 ? id : id + '-' + i, checked: checked(o.code) }),
            o.text || text(o.label))),
          hintEl, na, errEl);
      }
    }
    return el('div', { class: 'q', 'data-q': q.tag }, body, hintEl, na, errEl);
  }

  function photoPreview(p) {
    const url = URL.createObjectURL(p.blob);
    return [el('img', { src: url, alt: t('observe.photo_preview'), width: '320' }),
      el('p', { class: 'note code' }, t('observe.photo_hash', { Hash: p.sha.slice(0, 16) + '…' }))];
  }

  // preparePhoto redraws the photo on a canvas and encodes it again as JPEG: that drops
  // every metadata field (EXIF, GPS position, camera serial) before the photo is hashed
  // and signed, and makes it small enough to send on a weak signal.
  async function preparePhoto(file) {
    const bmp = await createImageBitmap(file, { imageOrientation: 'from-image' });
    const scale = Math.min(1, PHOTO_MAX_SIDE / Math.max(bmp.width, bmp.height));
    const w = Math.max(1, Math.round(bmp.width * scale));
    const h = Math.max(1, Math.round(bmp.height * scale));
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    canvas.getContext('2d').drawImage(bmp, 0, 0, w, h);
    bmp.close();
    const encoded = await new Promise((res) => canvas.toBlob(res, 'image/jpeg', 0.85));
    const bytes = bareJPEG(new Uint8Array(await encoded.arrayBuffer()));
    const blob = new Blob([bytes], { type: 'image/jpeg' });
    const sha = hex(await crypto.subtle.digest('SHA-256', bytes));
    return { sha, blob, type: 'image/jpeg' };
  }

  // bareJPEG returns the JPEG without its APP1 to APP15 and comment segments. The
  // browser's encoder adds a colour profile (APP2), and the server accepts no segment
  // that could carry metadata; the pixels are untouched.
  function bareJPEG(b) {
    if (b[0] !== 0xff || b[1] !== 0xd8) throw new Error('not a JPEG');
    const keep = [b.subarray(0, 2)];
    let i = 2;
    while (i + 4 <= b.length && b[i] === 0xff) {
      const marker = b[i + 1];
      if (marker === 0xda) break; // start of scan: the rest is image data
      const len = (b[i + 2] << 8) | b[i + 3];
      const seg = b.subarray(i, i + 2 + len);
      if (!((marker >= 0xe1 && marker <= 0xef) || marker === 0xfe)) keep.push(seg);
      i += 2 + len;
    }
    keep.push(b.subarray(i));
    const out = new Uint8Array(keep.reduce((n, s) => n + s.length, 0));
    let o = 0;
    for (const s of keep) { out.set(s, o); o += s.length; }
    return out;
  }

  function readAnswers(form, q, draft) {
    const tag = q.tag;
    const naBox = form.querySelector(`[data-na="${tag}"]`);
    if (naBox && naBox.checked) return { value: null };
    switch (q.type) {
      case 'integer': {
        const inp = form.querySelector('#q-' + tag);
        const s = inp.value.trim();
        if (s === '') return inp.validity.badInput ? { error: t('observe.err_whole') } : {};
        if (!/^-?\d+$/.test(s)) return { error: t('observe.err_whole') };
        const n = Number(s);
        if (!Number.isSafeInteger(n)) return { error: t('observe.err_whole') };
        return { value: n };
      }
      case 'text': {
        const s = form.querySelector('#q-' + tag).value.normalize('NFC');
        return s.trim() === '' ? {} : { value: s };
      }
      case 'time': {
        const s = form.querySelector('#q-' + tag).value;
        return s === '' ? {} : { value: s.slice(0, 5) };
      }
      case 'photo':
        return draft.photos[tag] ? { value: draft.photos[tag].sha } : {};
      case 'yes_no': {
        const c = form.querySelector(`input[name="${tag}"]:checked`);
        return c ? { value: c.value === 'true' } : {};
      }
      case 'select_one': {
        const c = form.querySelector(`input[name="${tag}"]:checked`);
        return c ? { value: c.value } : {};
      }
      case 'select_multiple': {
        const cs = [...form.querySelectorAll(`input[name="${tag}"]:checked`)].map((c) => c.value);
        return cs.length ? { value: cs } : {};
      }
    }
    return {};
  }

  // validate applies the checks a phone can make: required answers, ranges and the
  // sums of the count (the server's QA remains the authority). It returns problems per
  // tag and those of the whole form.
  function validate(f, answers, errors, inCheck) {
    const whole = [];
    for (const q of f.questions) {
      if (errors[q.tag]) continue;
      const v = answers[q.tag];
      if (v === undefined) {
        if (q.required) errors[q.tag] = t('observe.err_required');
        continue;
      }
      if (v === null) continue;
      if (q.type === 'integer') {
        if (q.min != null && v < q.min) errors[q.tag] = t('observe.err_min', { Value: v, Min: q.min });
        else if (q.max != null && v > q.max) errors[q.tag] = t('observe.err_max', { Value: v, Max: q.max });
      }
      if (q.type === 'text' && [...v].length > 4000) errors[q.tag] = t('observe.err_long', { Max: 4000 });
    }
    for (const c of f.checks || []) {
      const tags = [...c.left, ...c.right];
      if (!tags.every((tg) => typeof answers[tg] === 'number' && !errors[tg])) continue;
      const sum = (ts) => ts.reduce((s, tg) => s + answers[tg], 0);
      const left = sum(c.left);
      const right = sum(c.right) * (c.right_factor || 1) + (c.constant || 0);
      const ok = c.op === 'eq' ? left === right : left <= right;
      if (ok) continue;
      const name = t('observe.check_' + c.code.replace(/-/g, '_'));
      const side = (ts, v) => (ts.length ? ts.join(' + ') + ' = ' + v : String(v));
      let rhs = c.right.join(' + ');
      if ((c.right_factor || 1) !== 1) rhs = (c.right.length > 1 ? '(' + rhs + ')' : rhs) + ' × ' + c.right_factor;
      if (c.constant) rhs = rhs ? rhs + ' + ' + c.constant : String(c.constant);
      whole.push(t(c.op === 'eq' ? 'observe.check_failed_eq' : 'observe.check_failed_le', {
        Check: name, Left: side(c.left, left), Right: (rhs ? rhs + ' = ' : '') + right,
      }));
      for (const tg of c.left) if (!errors[tg]) { errors[tg] = t('observe.err_in_check', { Check: name }); inCheck.add(tg); }
    }
    return whole;
  }

  function viewForm(stationCode, formCode, problems) {
    const found = assignment && findForm(stationCode, formCode);
    if (!found) return render(t('observe.not_found'), el('p', {}, t('observe.form_missing')), el('a', { href: '#/' }, t('observe.nav_home')));
    const { st, f } = found;
    const key = st.code + '/' + f.code;
    if (!drafts.has(key)) drafts.set(key, { answers: {}, photos: {} });
    const draft = drafts.get(key);
    const submit = el('button', { type: 'submit', id: 'submit' }, t('observe.form_submit'));
    const form = el('form', { id: 'report-form', novalidate: true, 'data-form': f.code },
      f.questions.map((q) => questionInput(q, draft)),
      el('div', { class: 'actions' }, submit, el('a', { class: 'button secondary', href: '#/' }, t('observe.cancel'))));
    form.addEventListener('change', async (e) => {
      const tag = e.target.getAttribute('data-photo');
      if (!tag || !e.target.files || !e.target.files[0]) return;
      const box = form.querySelector('#q-' + tag + '-preview');
      box.replaceChildren(el('p', { class: 'status' }, t('observe.photo_working')));
      try {
        draft.photos[tag] = await preparePhoto(e.target.files[0]);
        box.replaceChildren(...photoPreview(draft.photos[tag]));
        box.setAttribute('data-sha', draft.photos[tag].sha);
      } catch (err) {
        delete draft.photos[tag];
        box.replaceChildren(el('p', { class: 'err' }, t('observe.photo_failed')));
      }
    });
    form.addEventListener('submit', (e) => { e.preventDefault(); submitForm(st, f, form, draft); });
    render(text(f.name),
      el('p', { class: 'note' }, t('observe.form_station', { Station: text(st.name), Code: st.code })),
      problems ? problem(problems) : null,
      form);
  }

  async function submitForm(st, f, form, draft) {
    // Keep what was typed, so that a problem shown does not lose the observer's work.
    const answers = {};
    const errors = {};
    for (const q of f.questions) {
      const r = readAnswers(form, q, draft);
      if (r.error) errors[q.tag] = r.error;
      else if ('value' in r) answers[q.tag] = r.value;
    }
    draft.answers = answers;
    const inCheck = new Set(); // tags marked only because a sum failed: the summary names the sum once
    const whole = validate(f, answers, errors, inCheck);
    for (const q of f.questions) {
      const box = form.querySelector(`[data-q="${q.tag}"]`);
      const err = form.querySelector('#q-' + q.tag + '-err');
      box.classList.toggle('invalid', !!errors[q.tag]);
      err.hidden = !errors[q.tag];
      err.textContent = errors[q.tag] || '';
      const input = form.querySelector('#q-' + q.tag);
      if (input && input.tagName !== 'FIELDSET') input.setAttribute('aria-invalid', errors[q.tag] ? 'true' : 'false');
    }
    const tagged = f.questions.filter((q) => errors[q.tag] && !inCheck.has(q.tag)).map((q) => `${q.tag}: ${errors[q.tag]}`);
    if (whole.length || tagged.length) {
      const old = $('.problem', main());
      if (old) old.remove();
      const box = problem([...whole, ...tagged], t('observe.form_refused'));
      box.id = 'form-problems';
      form.before(box);
      box.focus();
      return;
    }
    const settings = (await kvGet('settings')) || {};
    const report = {
      id: crypto.randomUUID(), election: assignment.election.id, station: st.code, form: f.code,
      form_version: f.version, answers, device_time: rfc3339(new Date()),
    };
    if (settings.position) {
      const pos = await position();
      if (pos) report.position = pos;
    }
    const envelope = await sealed(device, REPORT_DOMAIN, report);
    const photos = Object.entries(draft.photos)
      .filter(([tag]) => answers[tag] === draft.photos[tag].sha)
      .map(([tag, p]) => ({ tag, sha: p.sha, blob: p.blob, type: p.type, uploaded: false }));
    await putReport({
      id: report.id, election: report.election, station: st.code, form: f.code, formName: f.name, stationName: st.name,
      created: new Date().toISOString(), envelope, state: 'queued', attempts: 0, nextTry: 0, photos,
      position: !!report.position,
    });
    drafts.delete(st.code + '/' + f.code);
    announce(t('observe.queued_announce'));
    location.hash = '#/reports';
    kick();
  }

  function position() {
    if (!navigator.geolocation) return Promise.resolve(null);
    return new Promise((resolve) => navigator.geolocation.getCurrentPosition(
      (p) => resolve({
        lat_e6: Math.round(p.coords.latitude * 1e6), lon_e6: Math.round(p.coords.longitude * 1e6),
        accuracy_m: Math.min(100000, Math.round(p.coords.accuracy || 0)),
      }),
      () => resolve(null),
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 300000 }));
  }

  // ---- reports and receipts ------------------------------------------------------
  // badges says where a report stands: its way to the log, then what QA and review said.
  function badges(r) {
    const out = [];
    const b = (cls, key, args) => out.push(el('span', { class: 'badge ' + cls, 'data-state': cls }, t(key, args)));
    if (r.state === 'refused') b('refused', 'observe.state_refused');
    else if (!r.receipt && r.relayed) b('relayed', 'observe.relay.state');
    else if (!r.receipt) b('queued', 'observe.state_queued');
    else if (!r.proof) b('sent', 'observe.state_sent');
    else b('logged', 'observe.state_logged');
    if (r.review === 'rejected') b('rejected', 'observe.state_rejected');
    if (r.review === 'quarantined') b('quarantined', 'observe.state_quarantined');
    if (r.conflicts && r.conflicts.length) b('conflict', 'observe.state_conflict');
    if (r.receipt && r.receipt.flagged) b('flagged', 'observe.state_flagged');
    return out;
  }

  async function viewReports() {
    const reports = (await allReports()).sort((a, b) => (a.created < b.created ? 1 : -1));
    const logged = reports.filter((r) => r.proof).length;
    const items = reports.map((r) => {
      const fails = ((r.checks || (r.receipt && r.receipt.checks)) || []).filter((c) => c.outcome === 'fail');
      return el('li', { class: 'report', 'data-id': r.id, 'data-state': r.state },
        el('strong', {}, text(r.formName) + ' · ' + text(r.stationName)),
        el('div', { class: 'badges' }, badges(r)),
        el('p', { class: 'status' }, r.receipt ? t('observe.sent_at', { Time: fmtTime(r.receipt.received), Seq: r.receipt.seq })
          : t('observe.created_at', { Time: fmtTime(r.created) })),
        r.state === 'queued' && r.attempts > 0 ? el('p', { class: 'status' }, t('observe.retrying', { Attempts: r.attempts })) : null,
        r.state === 'queued' && r.relayed ? el('p', { class: 'status' }, t('observe.relay.note')) : null,
        r.error ? el('p', { class: 'err' }, r.error) : null,
        fails.length ? el('ul', { class: 'reasons' }, fails.map((c) => el('li', {}, c.detail || c.code))) : null,
        r.conflicts && r.conflicts.length ? el('p', { class: 'conflicts' }, t('observe.conflict_on', { Tags: r.conflicts.join(', ') })) : null,
        (r.photos || []).some((p) => !p.uploaded) && r.receipt ? el('p', { class: 'status' }, t('observe.photo_waiting')) : null,
        (r.photos || []).filter((p) => p.error).map((p) => el('p', { class: 'err' }, t('observe.photo_refused', { Reason: p.error }))));
    });
    render(t('observe.reports_title'),
      reports.length ? el('p', {}, t('observe.reports_summary', { Count: fmtInt(reports.length), Logged: fmtInt(logged) }))
        : el('p', {}, t('observe.reports_none')),
      el('p', { class: 'status', id: 'net' }, navigator.onLine ? t('observe.online') : t('observe.offline')),
      el('ul', { class: 'list', id: 'reports' }, items),
      el('div', { class: 'actions' },
        el('button', { type: 'button', id: 'sync', on: { click: () => { lastStatus = 0; kick(true); } } }, t('observe.sync_now')),
        el('button', { type: 'button', id: 'export', class: 'secondary', disabled: logged === 0, on: { click: exportReceipts } },
          t('observe.export'))),
      el('p', { class: 'note' }, t('observe.export_note')));
  }

  // receiptBundle is what iltod verify receipts checks: each envelope, exactly as sent,
  // with its tlog-proof.
  async function receiptBundle() {
    const reports = (await allReports()).filter((r) => r.proof).sort((a, b) => (a.created < b.created ? -1 : 1));
    return {
      format: 'iltod-receipts/1',
      receipts: reports.map((r) => ({ election: r.election, id: r.id, envelope: b64(enc.encode(r.envelope)), proof: r.proof })),
    };
  }
  async function exportReceipts() {
    const bundle = await receiptBundle();
    const blob = new Blob([JSON.stringify(bundle, null, 1) + '\n'], { type: 'application/json' });
    const a = el('a', { href: URL.createObjectURL(blob), download: `iltod-receipts-${new Date().toISOString().slice(0, 10)}.json` });
    document.body.append(a);
    a.click();
    a.remove();
    announce(t('observe.exported', { Count: fmtInt(bundle.receipts.length) }));
  }

  async function viewSettings() {
    const settings = (await kvGet('settings')) || {};
    const pos = el('input', { type: 'checkbox', id: 'position', checked: !!settings.position });
    pos.addEventListener('change', async () => {
      if (pos.checked) {
        const p = await position();
        if (!p) {
          pos.checked = false;
          announce(t('observe.position_denied'));
        }
      }
      await kvPut('settings', Object.assign(settings, { position: pos.checked }));
    });
    const a = assignment || {};
    const skew = a.offset ? Math.round(a.offset / 60000) : 0;
    render(t('observe.settings_title'),
      el('div', { class: 'card' },
        el('label', { class: 'choice' }, pos, t('observe.position_attach')),
        el('p', { class: 'note' }, t('observe.position_note'))),
      Math.abs(skew) >= 5 ? problem([t('observe.clock_off', { Minutes: Math.abs(skew) })]) : null,
      el('h2', {}, t('observe.device_title')),
      el('dl', { class: 'kv' },
        el('dt', {}, t('observe.device_key')), el('dd', { class: 'code', id: 'key-id' }, device.key_id),
        el('dt', {}, t('observe.device_enrolled')), el('dd', {}, fmtTime(device.enrolled)),
        a.fetched ? [el('dt', {}, t('observe.forms_fetched')), el('dd', {}, fmtTime(a.fetched))] : null),
      el('div', { class: 'actions' },
        el('button', { type: 'button', class: 'secondary', on: { click: async () => {
          try { assignment = await refreshAssignment(device); announce(t('observe.forms_updated')); viewSettings(); } catch (e) {
            announce(e.api ? e.api.message : t('observe.forms_offline'));
          }
        } } }, t('observe.forms_refresh'))),
      el('p', { class: 'note' }, t('observe.device_note')));
  }

  // ---- sending -------------------------------------------------------------------
  let syncing = false;
  let timer = 0;
  let lastStatus = 0;
  function kick(now) {
    clearTimeout(timer);
    timer = setTimeout(sync, now ? 0 : 50);
  }
  function backoff(r, retryAfter) {
    r.attempts = (r.attempts || 0) + 1;
    const base = Math.min(MAX_BACKOFF, 2000 * 2 ** Math.min(r.attempts - 1, 8));
    const wait = retryAfter ? Math.max(Number(retryAfter) * 1000 || 0, 1000) : base * (0.5 + Math.random() / 2);
    r.nextTry = Date.now() + wait;
  }

  // mirrors are the relays the server named in the assignment (docs/mirror.md): where a
  // report goes when the server itself cannot be reached. Each is a base URL.
  function mirrors() {
    return ((assignment && assignment.mirrors) || []).filter((m) => /^https?:\/\//.test(m)).map((m) => m.replace(/\/?$/, '/'));
  }
  // viaMirror offers the report to each mirror in turn, and returns the first answer
  // that is not a failure of the mirror itself, or null.
  async function viaMirror(r) {
    for (const m of mirrors()) {
      try {
        const res = await fetch(m + 'api/v1/reports', { method: 'POST', body: r.envelope, headers: headers() });
        if (res.status !== 429 && res.status < 500) return res;
      } catch (e) { /* the next mirror */ }
    }
    return null;
  }

  async function send(r) {
    let res;
    try {
      res = await fetch('/api/v1/reports', {
        method: 'POST', body: r.envelope,
        headers: headers({ 'Iltod-Device-Time': rfc3339(new Date()) }),
      });
    } catch (e) {
      res = await viaMirror(r);
      if (!res) {
        backoff(r);
        return false;
      }
    }
    if (res.status === 202) {
      // A relay took it for the server: not a receipt. The report stays queued, and is
      // offered again later; the server (or the relay, once it has forwarded it)
      // answers with the receipt, since the server knows the report by its id.
      const j = await res.json();
      r.relayed = (j && j.relay) || { state: 'relayed' };
      backoff(r);
      return true;
    }
    if (res.status === 200 || res.status === 201) {
      const j = await res.json();
      r.receipt = j.receipt;
      r.state = 'sent';
      r.attempts = 0;
      r.nextTry = 0;
      return true;
    }
    if (res.status === 429 || res.status >= 500) {
      backoff(r, res.headers.get('Retry-After'));
      return false;
    }
    const err = await apiError(res);
    r.state = 'refused';
    r.error = err.message;
    r.errorCode = err.code;
    return true;
  }

  async function uploadPhotos(r) {
    let changed = false;
    for (const p of r.photos || []) {
      if (p.uploaded || (p.nextTry && p.nextTry > Date.now())) continue;
      try {
        const res = await fetch('/api/v1/photos/' + p.sha, { method: 'PUT', body: p.blob, headers: { 'Content-Type': p.type, 'Accept-Language': lang } });
        if (res.ok) {
          p.uploaded = true;
          delete p.blob; // the server has it; the phone keeps only the hash
        } else if (res.status === 404 || res.status === 429 || res.status >= 500) {
          backoff(p);
        } else {
          p.error = (await apiError(res)).message;
          p.uploaded = true; // refused for good: say so, stop trying
        }
        changed = true;
      } catch (e) {
        backoff(p);
        changed = true;
      }
    }
    return changed;
  }

  async function fetchProof(r) {
    if (r.nextProof && r.nextProof > Date.now()) return false;
    try {
      const path = `api/v1/reports/${encodeURIComponent(r.id)}/receipt?election=${encodeURIComponent(r.election)}`;
      for (const base of ['/'].concat(mirrors())) {
        let res;
        try {
          res = await fetch(base + path, { headers: { 'Accept-Language': lang } });
        } catch (e) { continue; /* offline, or that server is unreachable: the next */ }
        if (res.ok) {
          r.proof = await res.text();
          r.state = 'logged';
          return true;
        }
        if (res.status < 500 && res.status !== 429) break; // the server's answer: not yet in the log
      }
    } catch (e) { /* offline: try later */ }
    r.proofTries = (r.proofTries || 0) + 1;
    r.nextProof = Date.now() + Math.min(60e3, 1000 * 2 ** Math.min(r.proofTries, 6));
    return true;
  }

  async function refreshStatus(reports) {
    const ids = reports.filter((r) => r.receipt && r.state !== 'refused').map((r) => r.id).slice(-1000);
    if (!ids.length) return false;
    let j;
    try {
      j = await deviceRequest(device, '/api/v1/devices/self/status', { op: 'status', ids });
    } catch (e) {
      return false;
    }
    for (const s of j.reports || []) {
      const r = reports.find((x) => x.id === s.id);
      if (!r || s.state === 'unknown') continue;
      r.checks = s.checks || r.checks;
      r.review = s.review;
      r.conflicts = s.conflicts || [];
      if (r.receipt) r.receipt.flagged = !!s.flagged;
      r.dirty = true;
    }
    return true;
  }

  async function sync() {
    if (syncing || !device) return;
    if (!navigator.onLine) {
      // Certainly offline: try nothing until the 'online' event (or the next timer, for
      // a browser that never says it is back).
      clearTimeout(timer);
      timer = setTimeout(sync, 30000);
      return;
    }
    syncing = true;
    let changed = false;
    let reports = [];
    let incidents = [];
    try {
      reports = await allReports();
      for (const r of reports) {
        r.dirty = false;
        if (r.state === 'queued' && (!r.nextTry || r.nextTry <= Date.now())) r.dirty = (await send(r)) || true;
        if (r.receipt && r.photos && r.photos.some((p) => !p.uploaded)) r.dirty = (await uploadPhotos(r)) || r.dirty;
        if (r.receipt && !r.proof && r.state !== 'refused') r.dirty = (await fetchProof(r)) || r.dirty;
      }
      const needStatus = reports.some((r) => r.receipt && r.state !== 'refused');
      if (needStatus && Date.now() - lastStatus > 5000) {
        lastStatus = Date.now();
        await refreshStatus(reports);
      }
      for (const r of reports) {
        if (!r.dirty) continue;
        delete r.dirty;
        await putReport(r);
        changed = true;
      }
      if (changed && location.hash.startsWith('#/reports')) await viewReportsQuiet();
      incidents = await allIncidents();
      let incChanged = false;
      for (const x of incidents) {
        let dirty = false;
        if (x.state === 'queued' && (!x.nextTry || x.nextTry <= Date.now())) dirty = (await sendIncident(x)) || true;
        if (x.state === 'sending') dirty = (await uploadEvidence(x)) || dirty;
        if (dirty) { await putIncident(x); incChanged = true; }
      }
      if (incChanged && location.hash.startsWith('#/incidents')) await quietly(viewIncidents);
    } finally {
      syncing = false;
      // The reports as this round left them (their next tries are set in place).
      const waits = reports.flatMap((r) => [
        r.state === 'queued' ? r.nextTry || 0 : Infinity,
        r.receipt && !r.proof && r.state !== 'refused' ? r.nextProof || 0 : Infinity,
        ...(r.photos || []).filter((p) => !p.uploaded).map((p) => p.nextTry || 0),
      ]).concat(incidents.flatMap((x) => [
        x.state === 'queued' ? x.nextTry || 0 : Infinity,
        ...(x.state === 'sending' ? x.photos.filter((p) => !p.uploaded).map((p) => p.nextTry || 0) : []),
      ]));
      const next = Math.min(...waits, Date.now() + 30000);
      clearTimeout(timer);
      timer = setTimeout(sync, Math.max(500, next - Date.now()));
    }
  }

  // viewReportsQuiet redraws the list without moving the focus, for updates that come
  // from the network rather than from the observer.
  const viewReportsQuiet = () => quietly(viewReports);
  async function quietly(view) {
    const focused = document.activeElement && document.activeElement.id;
    const y = window.scrollY;
    await view();
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus({ preventScroll: true });
    else main().blur();
    window.scrollTo(0, y);
  }


  // ---- incidents -------------------------------------------------------------------
  // An incident is signed as a device request ({"op":"incident",…}) naming the SHA-256
  // of each photo, kept in IndexedDB with the photos, and sent like a report; then each
  // photo is uploaded with a signed header naming the same incident and photos. The
  // server seals each photo as it arrives (docs/incidents.md, "Channels").
  const MAX_NARRATIVE = 20000;
  const MAX_INCIDENT_PHOTOS = 10;
  const incidentDraft = { photos: [], position: null };

  async function taxonomy() {
    let tax = await kvGet('taxonomy');
    if (!tax && assignment) {
      try { tax = await refreshTaxonomy(assignment.election.id); } catch (e) { /* offline */ }
    }
    return tax;
  }
  const categoryLabel = (tax, code) => {
    for (const g of (tax && tax.groups) || []) for (const c of g.categories) if (c.code === code) return text(c.label);
    return code;
  };
  const localInput = (d) => rfc3339(d).slice(0, 16);

  async function viewIncidentForm(problems) {
    const tax = await taxonomy();
    if (!tax || !assignment) {
      return render(t('observe.incident_new'), problem([t('observe.incident_taxonomy_missing')]),
        el('div', { class: 'actions' }, el('button', { type: 'button', on: { click: () => route() } }, t('observe.retry'))));
    }
    const stations = assignment.stations || [];
    const err = (id) => el('span', { class: 'err', id: id + '-err', hidden: true });
    const q = (id, label, input, hint) => el('div', { class: 'q', 'data-q': id },
      el('label', { for: id }, label), input, hint ? el('span', { class: 'hint', id: id + '-hint' }, hint) : null, err(id));
    const category = el('select', { id: 'inc-category', name: 'category', 'aria-required': 'true', 'aria-describedby': 'inc-category-err' },
      el('option', { value: '' }, t('observe.incident_choose')),
      tax.groups.map((g) => el('optgroup', { label: text(g.label) },
        g.categories.map((c) => el('option', { value: c.code }, text(c.label))))));
    const severity = el('fieldset', { class: 'q', 'data-q': 'inc-severity', 'aria-describedby': 'inc-severity-err' },
      el('legend', {}, t('observe.incident_severity')),
      tax.severities.map((s, i) => el('label', { class: 'choice' },
        el('input', { type: 'radio', name: 'severity', value: s.code, id: i === 0 ? 'inc-severity' : 'inc-severity-' + i }), text(s.label))),
      err('inc-severity'));
    const posStatus = el('p', { class: 'status', id: 'inc-position-status', role: 'status' },
      incidentDraft.position ? t('observe.incident_position_got', { Metres: incidentDraft.position.accuracy_m }) : '');
    const atPosition = el('input', { type: 'radio', name: 'place', value: 'position', id: 'inc-at-position', checked: !stations.length });
    const locate = async () => {
      const p = await position();
      incidentDraft.position = p;
      posStatus.textContent = p ? t('observe.incident_position_got', { Metres: p.accuracy_m }) : t('observe.incident_position_denied');
    };
    atPosition.addEventListener('change', locate);
    // An observer with no station has only the position: ask for it at once.
    if (!stations.length && !incidentDraft.position) locate();
    const where = el('fieldset', { class: 'q', 'data-q': 'inc-place', 'aria-describedby': 'inc-place-err' },
      el('legend', {}, t('observe.incident_where')),
      stations.length ? [
        el('label', { class: 'choice' }, el('input', { type: 'radio', name: 'place', value: 'station', id: 'inc-at-station', checked: true }),
          t('observe.incident_at_station')),
        el('label', { for: 'inc-station' }, t('observe.incident_station')),
        el('select', { id: 'inc-station', name: 'station' }, stations.map((st) => el('option', { value: st.code }, st.code + ' · ' + text(st.name)))),
      ] : null,
      el('label', { class: 'choice' }, atPosition, t('observe.incident_at_position')),
      posStatus, err('inc-place'));
    const previews = el('div', { class: 'photo', id: 'inc-photo-previews' }, incidentDraft.photos.map(incidentPreview));
    const photos = el('input', { type: 'file', id: 'inc-photos', accept: 'image/*', multiple: true, 'aria-describedby': 'inc-photos-hint' });
    photos.addEventListener('change', async () => {
      for (const file of photos.files) {
        if (incidentDraft.photos.length >= MAX_INCIDENT_PHOTOS) break;
        try {
          const p = await preparePhoto(file);
          if (!incidentDraft.photos.some((x) => x.sha === p.sha)) incidentDraft.photos.push(p);
        } catch (e) {
          previews.append(el('p', { class: 'err' }, t('observe.photo_failed')));
        }
      }
      previews.replaceChildren(...incidentDraft.photos.map(incidentPreview));
      photos.value = '';
    });
    const form = el('form', { id: 'incident-form', novalidate: true },
      q('inc-category', t('observe.incident_category'), category),
      severity,
      q('inc-when', t('observe.incident_when'), el('input', { type: 'datetime-local', id: 'inc-when', name: 'when',
        value: localInput(new Date()), max: localInput(new Date(Date.now() + 864e5)), 'aria-required': 'true' })),
      where,
      q('inc-narrative', t('observe.incident_narrative'), el('textarea', { id: 'inc-narrative', name: 'narrative',
        maxlength: String(MAX_NARRATIVE), 'aria-required': 'true', 'aria-describedby': 'inc-narrative-hint inc-narrative-err' }),
      t('observe.incident_narrative_hint')),
      q('inc-photos', t('observe.incident_photos'), photos, t('observe.incident_photos_hint')),
      previews,
      el('div', { class: 'actions' }, el('button', { type: 'submit', id: 'inc-submit' }, t('observe.incident_submit')),
        el('a', { class: 'button secondary', href: '#/incidents' }, t('observe.cancel'))));
    form.addEventListener('submit', (e) => { e.preventDefault(); submitIncident(form, tax); });
    render(t('observe.incident_new'), el('p', {}, t('observe.incident_intro')), problems ? problem(problems) : null, form);
  }

  function incidentPreview(p) {
    const d = el('div', { 'data-sha': p.sha });
    d.append(...photoPreview(p));
    return d;
  }

  async function submitIncident(form, tax) {
    const v = (sel) => { const x = form.querySelector(sel); return x ? x.value : ''; };
    const errors = {};
    const category = v('#inc-category');
    const sev = form.querySelector('input[name="severity"]:checked');
    const when = v('#inc-when');
    const narrative = v('#inc-narrative').normalize('NFC').trim();
    const placeKind = (form.querySelector('input[name="place"]:checked') || {}).value;
    if (!category) errors['inc-category'] = t('observe.err_required');
    if (!sev) errors['inc-severity'] = t('observe.err_required');
    if (!when || isNaN(new Date(when))) errors['inc-when'] = t('observe.err_required');
    if (!narrative) errors['inc-narrative'] = t('observe.err_required');
    else if ([...narrative].length > MAX_NARRATIVE) errors['inc-narrative'] = t('observe.incident_err_long', { Max: MAX_NARRATIVE });
    if (placeKind === 'position' && !incidentDraft.position) errors['inc-place'] = t('observe.incident_err_place');
    if (!placeKind) errors['inc-place'] = t('observe.incident_err_place');
    for (const box of form.querySelectorAll('[data-q]')) {
      const id = box.getAttribute('data-q');
      const e = form.querySelector('#' + id + '-err');
      box.classList.toggle('invalid', !!errors[id]);
      if (e) { e.hidden = !errors[id]; e.textContent = errors[id] || ''; }
      const input = form.querySelector('#' + id);
      if (input && input.tagName !== 'FIELDSET') input.setAttribute('aria-invalid', errors[id] ? 'true' : 'false');
    }
    const old = $('.problem', main());
    if (old) old.remove();
    if (Object.keys(errors).length) {
      const labels = { 'inc-category': 'observe.incident_category', 'inc-severity': 'observe.incident_severity',
        'inc-when': 'observe.incident_when', 'inc-place': 'observe.incident_where', 'inc-narrative': 'observe.incident_narrative' };
      const box = problem(Object.entries(errors).map(([id, e]) => t(labels[id]) + ': ' + e), t('observe.form_refused'));
      form.before(box);
      box.focus();
      return;
    }
    const evidence = incidentDraft.photos.map((p) => p.sha);
    const inc = { op: 'incident', id: crypto.randomUUID(), time: rfc3339(new Date()), category, severity: sev.value,
      start: rfc3339(new Date(when)), narrative, evidence };
    if (placeKind === 'station') inc.station = v('#inc-station');
    else inc.position = incidentDraft.position;
    const envelope = await sealed(device, REQUEST_DOMAIN, inc);
    const uploadAuth = await sealed(device, REQUEST_DOMAIN, { op: 'incident_evidence', id: inc.id, time: inc.time, evidence });
    await putIncident({
      id: inc.id, election: assignment.election.id, category, categoryLabel: categoryLabel(tax, category), start: inc.start,
      created: new Date().toISOString(), envelope, uploadAuth, state: 'queued', attempts: 0, nextTry: 0,
      photos: incidentDraft.photos.map((p) => ({ sha: p.sha, blob: p.blob, uploaded: false })),
    });
    incidentDraft.photos = [];
    incidentDraft.position = null;
    announce(t('observe.incident_queued_announce'));
    location.hash = '#/incidents';
    kick();
  }

  async function viewIncidents() {
    const list = (await allIncidents()).sort((a, b) => (a.created < b.created ? 1 : -1));
    const items = list.map((x) => el('li', { class: 'incident', 'data-id': x.id, 'data-state': x.state },
      el('strong', {}, x.categoryLabel || x.category),
      el('div', { class: 'badges' }, el('span', { class: 'badge ' + x.state, 'data-state': x.state }, t('observe.incident_state_' + x.state))),
      el('p', { class: 'status' }, t('observe.incident_started', { Time: fmtTime(x.start) })),
      x.serverId ? el('p', { class: 'status code' }, t('observe.incident_ref', { Ref: x.serverId.slice(0, 8).toUpperCase() })) : null,
      x.photos.length ? el('p', { class: 'status' }, t('observe.incident_photos_count',
        { Sent: x.photos.filter((p) => p.uploaded && !p.error).length, Count: x.photos.length })) : null,
      x.state === 'queued' && x.attempts > 0 ? el('p', { class: 'status' }, t('observe.retrying', { Attempts: x.attempts })) : null,
      x.error ? el('p', { class: 'err' }, x.error) : null,
      x.photos.filter((p) => p.error).map((p) => el('p', { class: 'err' }, t('observe.photo_refused', { Reason: p.error })))));
    render(t('observe.incidents_title'),
      el('div', { class: 'actions' }, el('a', { class: 'button', href: '#/incident', id: 'new-incident' }, t('observe.incident_new'))),
      el('p', { class: 'status', id: 'inc-net' }, navigator.onLine ? t('observe.online') : t('observe.offline')),
      list.length ? el('ul', { class: 'list', id: 'incidents' }, items) : el('p', {}, t('observe.incidents_none')));
  }

  // sendIncident posts a queued incident; it returns whether the incident changed.
  async function sendIncident(x) {
    let res;
    try {
      res = await fetch('/api/v1/incidents', { method: 'POST', body: x.envelope, headers: headers() });
    } catch (e) {
      backoff(x);
      return false;
    }
    if (res.status === 200 || res.status === 201) {
      const j = await res.json();
      const missing = new Set(j.missing || []);
      x.serverId = j.id;
      x.attempts = 0;
      x.nextTry = 0;
      for (const p of x.photos) if (!missing.has(p.sha)) { p.uploaded = true; delete p.blob; }
      x.state = x.photos.every((p) => p.uploaded) ? 'stored' : 'sending';
      return true;
    }
    if (res.status === 429 || res.status >= 500) {
      backoff(x, res.headers.get('Retry-After'));
      return false;
    }
    x.state = 'refused';
    x.error = (await apiError(res)).message;
    return true;
  }

  // uploadEvidence uploads the photos of a sent incident; it returns whether any changed.
  async function uploadEvidence(x) {
    let changed = false;
    for (const p of x.photos) {
      if (p.uploaded || (p.nextTry && p.nextTry > Date.now())) continue;
      changed = true;
      try {
        const res = await fetch(`/api/v1/incidents/${encodeURIComponent(x.serverId)}/evidence/${p.sha}`, { method: 'PUT', body: p.blob,
          headers: { 'Content-Type': 'application/octet-stream', 'Accept-Language': lang, 'Iltod-Request': x.uploadAuth } });
        if (res.ok) {
          p.uploaded = true;
          delete p.blob; // sealed on the server; the phone keeps only the hash
        } else if (res.status === 409 || res.status === 429 || res.status >= 500) {
          backoff(p, res.headers.get('Retry-After'));
        } else {
          p.error = (await apiError(res)).message;
          p.uploaded = true; // refused for good: say so, stop trying
        }
      } catch (e) {
        backoff(p);
      }
    }
    if (x.photos.every((p) => p.uploaded)) x.state = 'stored';
    return changed;
  }

  // ---- start -------------------------------------------------------------------------
  async function route() {
    const h = location.hash;
    if (!device) return viewEnroll();
    let m;
    if ((m = h.match(/^#\/form\/([^/]+)\/([^/]+)$/))) return viewForm(decodeURIComponent(m[1]), decodeURIComponent(m[2]));
    if (h.startsWith('#/reports')) {
      await viewReports();
      lastStatus = 0;
      return kick();
    }
    if (h.startsWith('#/settings')) return viewSettings();
    if (h === '#/incident') return viewIncidentForm();
    if (h.startsWith('#/incidents')) {
      await viewIncidents();
      return kick();
    }
    return viewHome();
  }

  function setLang(l) {
    lang = M.languages.includes(l) ? l : M.default;
    document.documentElement.lang = lang;
    try { localStorage.setItem('iltod.lang', lang); } catch (e) { /* private mode */ }
  }

  async function start() {
    try {
      const res = await fetch('/observe/messages.json');
      M = await res.json();
    } catch (e) {
      return; // no words, no app: the page keeps the shell's own message
    }
    let saved = null;
    try { saved = localStorage.getItem('iltod.lang'); } catch (e) { /* private mode */ }
    setLang(saved || M.default);
    $('#lang').addEventListener('click', async () => {
      setLang(M.languages.find((l) => l !== lang));
      if (!window.isSecureContext) return viewInsecure();
      await route();
      $('#lang').focus();
    });
    if (!window.isSecureContext) return viewInsecure();
    if (!window.indexedDB || !window.crypto || !crypto.subtle) return viewUnsupported('observe.unsupported_storage');
    if ('serviceWorker' in navigator) {
      navigator.serviceWorker.register('/observe/sw.js', { scope: '/observe/' }).catch(() => {});
    }
    device = (await kvGet('device')) || null;
    assignment = (await kvGet('assignment')) || null;
    if (!device && !(await ed25519Works())) return viewUnsupported('observe.unsupported_ed25519');
    window.addEventListener('hashchange', route);
    const redraw = () => {
      if (location.hash.startsWith('#/reports')) viewReportsQuiet();
      if (location.hash.startsWith('#/incidents')) quietly(viewIncidents);
    };
    window.addEventListener('online', () => { kick(true); redraw(); });
    window.addEventListener('offline', redraw);
    await route();
    if (device) kick(true);
  }

  document.addEventListener('DOMContentLoaded', start);
})();
