import type { APIRoute } from "astro";

import { siteOf } from "../lib/format";

// Everything but search results and previews; the sitemap at the portal's own URL.
export const GET: APIRoute = ({ request }) => {
  const site = siteOf(request);
  const body = `User-agent: *\nDisallow: /tim-kiem\nDisallow: /xem-truoc/\n\nSitemap: ${new URL("/sitemap.xml", site)}\n`;
  return new Response(body, { headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "public, max-age=3600" } });
};
