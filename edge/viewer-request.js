// The site's viewer-request CloudFront Function (runtime cloudfront-js-2.0), associated with the distribution's
// default (site) behaviour only: /api/* and /media/* never run it. lib/site-distribution.ts publishes this file as
// it is, and `npm run dev` runs the same file on every site request (dev/edge-function.ts). Plain ES5-style code:
// CloudFront Functions have no modules, no I/O and a 1 ms compute budget (docs/edge.md).
//
// Rules, in order:
//  1. a `www.` host redirects (301) to the host without it, same path;
//  2. old links redirect (301) to the one readable URL of each page: /index.html → /, /author.html → /author,
//     /post.html?slug=s → /posts/s (a redirect, not a second URL serving the same page: one URL per page in caches,
//     bookmarks and search engines; the old link costs one round trip answered here, never the origin);
//  3. trailing slashes are dropped and the route words (posts, author, page names) lower-cased, with a 301; slugs are
//     lower-cased too, as the API accepts only lower-case slugs (SLUG_PATTERN of handlers/api/schemas.ts). Nothing
//     else changes case: asset names carry case-sensitive content hashes and S3 keys are case-sensitive;
//  4. readable URLs are rewritten to the page's object (/ → /index.html, /author → /author.html,
//     /posts/<slug> → /post.html), with no redirect;
//  5. a path outside the site is answered here with the 404 page (the bucket would answer 403, and a distribution
//     error page for 403/404 would also replace the API's own JSON errors).

var SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
// Files at the site's root (web/build.ts output and config.json); anything else at the root is not the site's.
var ROOT_FILES = { "/config.json": 1, "/unavailable.html": 1 };
var PAGES = { "/": "/index.html", "/author": "/author.html" };
var OLD_PAGES = { "/index.html": "/", "/author.html": "/author" };

var NOT_FOUND_PAGE =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" ' +
  'content="width=device-width, initial-scale=1"><title>Page not found · Photo blog</title></head>' +
  "<body><main><h1>Page not found</h1><p>There is no page at this address. It may have moved, or the link " +
  'may be mistyped.</p><p><a href="/">Go to the latest posts</a></p></main></body></html>';

function queryString(querystring, skip) {
  var parts = [];
  for (var name in querystring) {
    if (name === skip) continue;
    var entry = querystring[name];
    // A repeated parameter arrives as multiValue; its first value is `value`.
    var values = entry.multiValue ? entry.multiValue : [entry];
    for (var i = 0; i < values.length; i++) {
      parts.push(values[i].value === "" ? name : name + "=" + values[i].value);
    }
  }
  return parts.length ? "?" + parts.join("&") : "";
}

function redirect(location) {
  return {
    statusCode: 301,
    statusDescription: "Moved Permanently",
    headers: { location: { value: location }, "cache-control": { value: "max-age=3600" } },
  };
}

function notFound() {
  return {
    statusCode: 404,
    statusDescription: "Not Found",
    headers: {
      "content-type": { value: "text/html; charset=utf-8" },
      "cache-control": { value: "max-age=60" },
    },
    body: { encoding: "text", data: NOT_FOUND_PAGE },
  };
}

// The canonical path of a site path, or null when it is not one of the site's.
function canonicalPath(uri) {
  var path = uri.length > 1 ? uri.replace(/\/+$/, "") : uri;
  if (path === "") path = "/";
  var lower = path.toLowerCase();
  if (lower.indexOf("/assets/") === 0) return path.slice(0, 8).toLowerCase() + path.slice(8);
  if (PAGES[lower] || OLD_PAGES[lower] || ROOT_FILES[lower] || lower === "/post.html") return lower;
  var post = /^\/posts\/([^/]+)$/.exec(lower);
  if (post && SLUG.test(post[1])) return lower;
  return null;
}

function handler(event) {
  var request = event.request;
  var host = request.headers.host ? request.headers.host.value : "";
  var query = request.querystring;
  var path = canonicalPath(request.uri);
  if (path === null) return notFound();

  var target = path;
  var skip = null;
  if (OLD_PAGES[path]) target = OLD_PAGES[path];
  if (path === "/post.html") {
    var slug = query.slug ? query.slug.value.toLowerCase() : "";
    if (!SLUG.test(slug)) return notFound();
    target = "/posts/" + slug;
    skip = "slug";
  }
  var www = host.toLowerCase().indexOf("www.") === 0;
  if (www || target !== request.uri) {
    var origin = www ? "https://" + host.slice(4) : "";
    return redirect(origin + target + queryString(query, skip));
  }
  if (PAGES[path]) request.uri = PAGES[path];
  else if (path.indexOf("/posts/") === 0) request.uri = "/post.html";
  return request;
}
