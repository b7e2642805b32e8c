// What every page shows beside its own content (the sections menu, the visit counter), and how
// a page answers: the API's freshness passed on, a 304 when the reader has this version.

import type { AstroGlobal } from "astro";
import type { components, Newsroom } from "@newsroom/client";

import { cacheControl, pageEtag, type Freshness } from "./api";
import type { Edition } from "./i18n";

export type Section = components["schemas"]["Section"];
export type VisitTotals = components["schemas"]["VisitTotals"];

export interface Chrome {
  sections: Section[];
  visits: VisitTotals | null;
}

/** The sections menu (named in the edition's language) and the counter: two calls, made
 * beside the page's own. */
export async function chrome(newsroom: Newsroom, lang: Edition = "vi"): Promise<Chrome> {
  const [sections, visits] = await Promise.all([
    newsroom.get("/api/v1/sections", { params: { query: { per_page: 100, lang } } }),
    newsroom.get("/api/v1/stats/visits"),
  ]);
  return { sections: sections.data, visits: visits.data };
}

/**
 * Sets the page's caching headers from the API's answers; `true` when the reader's copy is
 * current (the caller answers 304 with no body).
 */
export async function passOn(astro: AstroGlobal, freshness: Freshness): Promise<boolean> {
  astro.response.headers.set("Cache-Control", cacheControl(freshness));
  astro.response.headers.set("X-Api-Calls", String(freshness.calls));
  const etag = await pageEtag(astro.url.pathname + astro.url.search, freshness);
  if (!etag) return false;
  astro.response.headers.set("ETag", etag);
  const asked = astro.request.headers.get("if-none-match");
  return asked !== null && asked.split(",").some((tag) => tag.trim() === etag);
}

/** Answers with an error status (the page then renders `ErrorPage`). */
export function failed(astro: AstroGlobal, status: 404 | 410 | 503): 404 | 410 | 503 {
  astro.response.status = status;
  astro.response.headers.set("Cache-Control", status === 503 ? "no-store" : "public, max-age=60");
  if (status === 503) astro.response.headers.set("Retry-After", "30");
  return status;
}
