// Feeds and sitemaps are the API's, served at the portal's URLs: the API writes the portal's
// links in them (NEWSROOM_SITE_URL), the portal passes them on with their caching headers.
import { API_URL } from "./api";

const PASSED = ["content-type", "cache-control", "etag", "last-modified", "vary"];

export async function passThrough(path: string, request: Request, site?: URL): Promise<Response> {
  const headers = new Headers();
  const conditional = request.headers.get("if-none-match");
  if (conditional) headers.set("If-None-Match", conditional);
  let answer: Response;
  try {
    answer = await fetch(`${API_URL}${path}`, { headers, redirect: "manual" });
  } catch {
    return new Response("Tạm thời không truy cập được.", { status: 503, headers: { "Retry-After": "30" } });
  }
  const out = new Headers();
  for (const name of PASSED) {
    const value = answer.headers.get(name);
    if (value) out.set(name, value);
  }
  const status = answer.status >= 500 ? 503 : answer.status;
  if (site && status === 200) {
    // The sitemap index names its children at the API's address: the portal serves them.
    const text = (await answer.text()).replaceAll(`${API_URL}/sitemaps/`, `${site.origin}/sitemaps/`);
    const etag = out.get("etag");
    if (etag && !etag.startsWith("W/")) out.set("etag", `W/${etag}`);
    return new Response(text, { status, headers: out });
  }
  return new Response(status === 304 ? null : answer.body, { status, headers: out });
}
