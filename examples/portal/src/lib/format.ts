// How the portal writes what the API gives: times as the seed page writes them, in the portal's
// time zone, and the portal's own URLs for the API's items.

const TIME_ZONE = process.env.NEWSROOM_PORTAL_TIME_ZONE ?? "Asia/Ho_Chi_Minh";

const parts = new Intl.DateTimeFormat("en-GB", {
  timeZone: TIME_ZONE,
  day: "2-digit",
  month: "2-digit",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

/** `21/10/2022 08:24`, as the seed page writes a publish time. */
export function portalTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return "";
  const p = Object.fromEntries(parts.formatToParts(at).map((x) => [x.type, x.value]));
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}`;
}

/** `20/10/2022`, a day as an event's dates are written. */
export function portalDay(day: string | null | undefined): string {
  if (!day) return "";
  const [y, m, d] = day.split("-");
  return y && m && d ? `${d}/${m}/${y}` : day;
}

/** The portal's own pages for the API's items (its routes win over article slugs). */
export const paths = {
  /** An article's page in its edition: `/en/<slug>` for English, `/<slug>` otherwise. */
  article: (slug: string, language?: string | null) =>
    language === "en" || language?.startsWith("en-") ? `/en/${slug}` : `/${slug}`,
  section: (slug: string) => `/chuyen-muc/${slug}`,
  event: (slug: string) => `/su-kien/${slug}`,
  person: (slug: string) => `/nhan-vat/${slug}`,
  organization: (slug: string) => `/to-chuc/${slug}`,
  author: (slug: string) => `/tac-gia/${slug}`,
  tag: (slug: string) => `/chu-de/${slug}`,
  search: (q: string) => `/tim-kiem?q=${encodeURIComponent(q)}`,
} as const;

/** The portal's URL of a search result or a mention, by its type. */
export function pathOf(type: string, slug: string): string {
  switch (type) {
    case "article":
      return paths.article(slug);
    case "event":
      return paths.event(slug);
    case "person":
      return paths.person(slug);
    case "organization":
      return paths.organization(slug);
    default:
      return "/";
  }
}

/** An absolute URL of the portal, for canonical links, OpenGraph and JSON-LD. */
export function absolute(site: URL, path: string): string {
  return new URL(path, site).toString();
}

/** A name with its short name, as the seed page writes events: `AMCC7 · Hội nghị ...`. */
export function withShortName(item: { name?: string; short_name?: string | null }): string {
  const name = item.name ?? "";
  return item.short_name && item.short_name !== name ? `${item.short_name} · ${name}` : name;
}

/** An item's slug (a list with `fields=` may leave it out: its id then). */
export function slugOf(item: { id: number; slug?: string }): string {
  return item.slug ?? String(item.id);
}

/** The portal's own origin: `PORTAL_URL` when set (behind a proxy), else the request's host. */
export function siteOf(request: Request): URL {
  if (process.env.PORTAL_URL) return new URL(process.env.PORTAL_URL);
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host") ?? "127.0.0.1";
  const proto = request.headers.get("x-forwarded-proto") ?? new URL(request.url).protocol.replace(":", "");
  return new URL(`${proto}://${host}`);
}
