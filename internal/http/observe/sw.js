// iltod observer app: the service worker. It keeps the app's shell in a cache named
// for the app's version, so that the app opens with no network at all. Reports, forms
// and receipts live in IndexedDB, which the app itself manages; this worker never sees
// a report and never answers for the API.
'use strict';
const VERSION = '__VERSION__';
const CACHE = 'iltod-observe-' + VERSION;
const SHELL = [
  '/observe/', '/observe/app.js', '/observe/app.css', '/observe/messages.json',
  '/observe/manifest.webmanifest', '/observe/icon.svg', '/observe/icon-192.png', '/observe/icon-512.png',
];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((c) => c.addAll(SHELL.map((u) => new Request(u, { cache: 'no-cache' }))))
      .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys
        .filter((k) => k.startsWith('iltod-observe-') && k !== CACHE)
        .map((k) => caches.delete(k))))
      .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.mode === 'navigate' && url.pathname.startsWith('/observe/')) {
    // Every page of the app is the shell; the cached one first, so that a phone with no
    // signal (or a captive portal) still opens the app.
    event.respondWith(caches.open(CACHE)
      .then((c) => c.match('/observe/'))
      .then((hit) => hit || fetch(req)));
    return;
  }
  if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.open(CACHE)
      .then((c) => c.match(url.pathname))
      .then((hit) => hit || fetch(req)));
  }
});

self.addEventListener('message', (event) => {
  if (event.data === 'version' && event.source) event.source.postMessage({ version: VERSION });
});
