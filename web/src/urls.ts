/**
 * The site's readable URLs, which the viewer-request function (edge/viewer-request.js) serves: `/`, `/author` and
 * `/posts/<slug>`. Links, canonical URLs and redirects after saving all come from here.
 */
export function postUrl(slug: string): string {
  return `/posts/${encodeURIComponent(slug)}`;
}

export function authorUrl(editSlug?: string): string {
  return editSlug === undefined ? "/author" : `/author?edit=${encodeURIComponent(editSlug)}`;
}

/** The slug of the post page's address: `/posts/<slug>`; the old `/post.html?slug=` too (the edge redirects it). */
export function slugOf(where: { readonly pathname: string; readonly search: string }): string {
  const match = /^\/posts\/([^/]+)\/?$/.exec(where.pathname);
  if (match) return decodeURIComponent(match[1]);
  return new URLSearchParams(where.search).get("slug") ?? "";
}

/** Points the page's `<link rel="canonical">` at `path` on this origin. */
export function setCanonical(path: string): void {
  let link = document.querySelector<HTMLLinkElement>('link[rel="canonical"]');
  if (!link) {
    link = document.createElement("link");
    link.rel = "canonical";
    document.head.append(link);
  }
  link.href = new URL(path, location.origin).href;
}
