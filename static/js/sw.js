/* The service worker: pages a rep needs without a signal open from the device.
 *
 * Static files: a hashed name (collectstatic's manifest, `app.0123456789ab.css`: production and the demo) never
 * changes, so it is served from the cache without asking the network again, and caching it forgets the
 * file's other versions; another static URL (development) is served from the cache at once and refreshed
 * behind (stale-while-revalidate).
 * Pages: always from the network first; a page the server marks `X-Fieldloop-Offline: 1` (a form the
 * outbox can keep) is cached, and served from the cache when the network fails. Other pages are
 * never stored on the device. Signing out deletes the page cache.
 *
 * Only this worker writes to the caches: a page that wants a page kept (the outbox page, or itself when
 * it loaded before the worker took control) posts {type: "keep", urls} and the worker fetches what is
 * missing. (A page creating the cache while the worker writes to it could lose the worker's entries.)
 */
const STATIC_CACHE = "fieldloop-static-v2";
const PAGE_CACHE = "fieldloop-pages";
const NETWORK_TIMEOUT_MS = 8000;

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((k) => k.startsWith("fieldloop-static-") && k !== STATIC_CACHE).map((k) => caches.delete(k)),
      ))
      .then(() => self.clients.claim()),
  );
});

async function staleWhileRevalidate(request) {
  const cache = await caches.open(STATIC_CACHE);
  const cached = await cache.match(request);
  const fresh = fetch(request).then((response) => {
    if (response.ok) cache.put(request, response.clone());
    return response;
  });
  return cached || fresh;
}

const HASHED = /^(.*)\.[0-9a-f]{12}(\.[^./]+)$/; // name.hash.ext

async function cacheFirst(request) {
  const cache = await caches.open(STATIC_CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    await cache.put(request, response.clone());
    const [, stem, ext] = new URL(request.url).pathname.match(HASHED);
    for (const key of await cache.keys()) { // the same file's older versions: never asked for again
      const other = new URL(key.url).pathname.match(HASHED);
      if (other && other[1] === stem && other[2] === ext && key.url !== request.url) await cache.delete(key);
    }
  }
  return response;
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

async function networkFirst(request) {
  const cache = await caches.open(PAGE_CACHE);
  try {
    const response = await withTimeout(fetch(request), NETWORK_TIMEOUT_MS);
    if (response.ok && response.headers.get("X-Fieldloop-Offline") === "1") {
      await cache.put(request, response.clone()); // kept before the page shows: the signal may go right after
    }
    return response;
  } catch (error) {
    const cached = await cache.match(request, { ignoreVary: true });
    if (cached) return cached;
    throw error;
  }
}

/* Fetch and keep each same-origin URL not kept yet, if the server marks it offline-capable. */
async function keep(urls) {
  const cache = await caches.open(PAGE_CACHE);
  for (const url of urls) {
    if (new URL(url, self.location.origin).origin !== self.location.origin || await cache.match(url)) continue;
    try {
      // marked, so the page kept renders no flash messages (they belong to the page the rep opens next)
      const response = await fetch(url, { credentials: "same-origin", headers: { "X-Fieldloop-Keep": "1" } });
      if (response.ok && !response.redirected && response.headers.get("X-Fieldloop-Offline") === "1") {
        await cache.put(url, response);
      }
    } catch { /* no signal: the next page load asks again */ }
  }
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "keep" && Array.isArray(data.urls)) event.waitUntil(keep(data.urls.filter(Boolean)));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(HASHED.test(url.pathname) ? cacheFirst(request) : staleWhileRevalidate(request));
  }
  else if (request.mode === "navigate") event.respondWith(networkFirst(request));
});
