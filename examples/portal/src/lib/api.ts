// The portal's way to the API: one typed client per page request, which records what the API
// said about caching (Cache-Control, ETag) so that the page can pass it on.

import { createNewsroom, NewsroomError, type Newsroom } from "@newsroom/client";

/** Where the portal's server reaches the API. */
export const API_URL = (process.env.NEWSROOM_API_URL ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
/** Where readers' browsers reach it (the visit beacon); the same unless set. */
export const PUBLIC_API_URL = (process.env.NEWSROOM_PUBLIC_API_URL ?? API_URL).replace(/\/+$/, "");

/** What the API answers told about caching, gathered over one page's calls. */
export interface Freshness {
  /** Whether every answer may be stored by a shared cache (none private, none failed). */
  storable: boolean;
  /** The shortest `max-age` (seconds) of the answers. */
  maxAge: number | null;
  sMaxAge: number | null;
  staleWhileRevalidate: number | null;
  /** Each answer's URL and ETag (`<url> <etag>`): the calls run at once, so in no set order. */
  etags: string[];
  /** How many calls the page made (the README and the tests count them). */
  calls: number;
}

export interface PageApi {
  newsroom: Newsroom;
  freshness: Freshness;
}

function seconds(cacheControl: string, directive: string): number | null {
  const found = new RegExp(`(?:^|,)\\s*${directive}=(\\d+)`).exec(cacheControl);
  return found?.[1] ? Number(found[1]) : null;
}

function shortest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/** How long the portal waits for an API answer before the page is a 503. */
const API_TIMEOUT_MS = 10_000;

/** A client for one page request, recording what each answer says about caching. */
export function pageApi(): PageApi {
  const freshness: Freshness = {
    storable: true,
    maxAge: null,
    sMaxAge: null,
    staleWhileRevalidate: null,
    etags: [],
    calls: 0,
  };
  const recording = async (request: Request): Promise<Response> => {
    freshness.calls += 1;
    const response = await fetch(request, { signal: AbortSignal.timeout(API_TIMEOUT_MS) });
    const cacheControl = response.headers.get("cache-control") ?? "";
    if (!response.ok && response.status !== 404 && response.status !== 410) freshness.storable = false;
    if (/no-store|private/.test(cacheControl)) freshness.storable = false;
    freshness.maxAge = shortest(freshness.maxAge, seconds(cacheControl, "max-age"));
    freshness.sMaxAge = shortest(freshness.sMaxAge, seconds(cacheControl, "s-maxage"));
    freshness.staleWhileRevalidate = shortest(
      freshness.staleWhileRevalidate,
      seconds(cacheControl, "stale-while-revalidate"),
    );
    const etag = response.headers.get("etag");
    if (etag) freshness.etags.push(`${request.url} ${etag}`);
    return response;
  };
  return { newsroom: createNewsroom({ baseUrl: API_URL, fetch: recording }), freshness };
}

/** The page's Cache-Control: as long as the shortest-lived answer it was made from. */
export function cacheControl(freshness: Freshness): string {
  if (!freshness.storable || freshness.maxAge === null) return "no-cache";
  const parts = ["public", `max-age=${freshness.maxAge}`];
  if (freshness.sMaxAge !== null) parts.push(`s-maxage=${freshness.sMaxAge}`);
  if (freshness.staleWhileRevalidate !== null) parts.push(`stale-while-revalidate=${freshness.staleWhileRevalidate}`);
  return parts.join(", ");
}

/** A weak ETag of the page: the same answers give the same page. */
export async function pageEtag(route: string, freshness: Freshness): Promise<string | null> {
  if (freshness.etags.length === 0 || freshness.etags.length < freshness.calls) return null;
  const answers = [...freshness.etags].sort().join("\n");
  const bytes = new TextEncoder().encode(`${route}\n${answers}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const hex = Array.from(digest.slice(0, 12), (b) => b.toString(16).padStart(2, "0")).join("");
  return `W/"${hex}"`;
}

/** Whether an error is the API's answer with this status. */
export function isStatus(error: unknown, status: number): error is NewsroomError {
  return error instanceof NewsroomError && error.status === status;
}

/** Whether the API could not be reached or failed (the portal answers 503). */
export function isUnavailable(error: unknown): boolean {
  return !(error instanceof NewsroomError) || error.status >= 500;
}

/**
 * The page a failed item read becomes: 404 for a missing item (or a key the API refuses), 410 for
 * a deleted one, 503 when the API is unreachable or failing. Anything else is the portal's bug.
 */
export function failurePage(error: unknown): 404 | 410 | 503 {
  if (isStatus(error, 404) || isStatus(error, 400)) return 404;
  if (isStatus(error, 410)) return 410;
  if (isUnavailable(error)) return 503;
  throw error;
}
