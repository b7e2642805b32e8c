// The portal's pages of things articles are filed under or name: one description per kind
// (its URL segment, how the API finds it, how its articles are filtered), so that the six
// pages are one route (`pages/[kind]/[slug].astro`).
import type { components, Newsroom } from "@newsroom/client";

import { portalDay, slugOf, withShortName } from "./format";

export type Kind = "section" | "event" | "person" | "organization" | "author" | "tag";

/** The URL segment of each kind, as the portal writes it. */
export const SEGMENTS: Record<string, Kind> = {
  "chuyen-muc": "section",
  "su-kien": "event",
  "nhan-vat": "person",
  "to-chuc": "organization",
  "tac-gia": "author",
  "chu-de": "tag",
};

/** What an entity page shows about the item itself. */
export interface Entity {
  kind: Kind;
  label: string;
  name: string;
  /** Lines under the name: dates and places, aliases, positions, a description. */
  facts: string[];
  /** Linked neighbours: an event's parent and children, a person's organizations. */
  links: { rel: string; href: string; name: string }[];
}

const LABELS: Record<Kind, string> = {
  section: "Chuyên mục",
  event: "Sự kiện",
  person: "Nhân vật",
  organization: "Tổ chức",
  author: "Tác giả",
  tag: "Chủ đề",
};

type Schemas = components["schemas"];

/** The item of `kind` at `slug` (throws NewsroomError 404/410 as the API answers). */
export async function entity(newsroom: Newsroom, kind: Kind, slug: string): Promise<Entity> {
  const path = { params: { path: { id_or_slug: slug } } };
  const base = { kind, label: LABELS[kind], facts: [] as string[], links: [] as Entity["links"] };
  switch (kind) {
    case "section": {
      const { data } = await newsroom.get("/api/v1/sections/{id_or_slug}", path);
      return { ...base, name: data.name ?? slug, facts: data.description ? [data.description] : [] };
    }
    case "tag": {
      const { data } = await newsroom.get("/api/v1/tags/{id_or_slug}", path);
      return { ...base, name: data.name ?? slug };
    }
    case "author": {
      const { data } = await newsroom.get("/api/v1/authors/{id_or_slug}", path);
      return { ...base, name: data.name ?? slug, facts: data.bio ? [data.bio] : [] };
    }
    case "person": {
      const { data } = await newsroom.get("/api/v1/people/{id_or_slug}", path);
      return { ...base, name: data.name ?? slug, facts: personFacts(data) };
    }
    case "organization": {
      const { data } = await newsroom.get("/api/v1/organizations/{id_or_slug}", path);
      const facts = [data.names?.en?.name, data.description].filter((x): x is string => !!x);
      return { ...base, name: withShortName(data), facts };
    }
    case "event": {
      const [{ data }, children] = await Promise.all([
        newsroom.get("/api/v1/events/{id_or_slug}", path),
        newsroom.get("/api/v1/events/{id_or_slug}/children", { ...path, params: { ...path.params, query: { per_page: 50 } } }),
      ]);
      return { ...base, name: withShortName(data), facts: eventFacts(data), links: eventLinks(data, children.data) };
    }
  }
}

function personFacts(person: Schemas["Person"]): string[] {
  const facts: string[] = [];
  if (person.honorific) facts.push(person.honorific);
  const aliases = (person.aliases ?? []).map((a) => a.name);
  if (aliases.length > 0) facts.push(`Tên khác: ${aliases.join(", ")}`);
  for (const p of person.positions ?? []) {
    const span = [portalDay(p.starts_on), p.ends_on ? portalDay(p.ends_on) : p.current ? "nay" : ""]
      .filter(Boolean)
      .join(" – ");
    facts.push(`${p.title}${p.organization ? `, ${p.organization.name}` : ""}${span ? ` (${span})` : ""}`);
  }
  if (person.bio) facts.push(person.bio);
  return facts;
}

function eventFacts(event: Schemas["Event"]): string[] {
  const facts: string[] = [];
  const english = event.names?.en?.name;
  if (english) facts.push(english);
  const days = [event.starts_on, event.ends_on].filter((d, i, all) => d && (i === 0 || d !== all[0]));
  const where = [event.city, event.country].filter(Boolean).join(", ");
  const when = days.map((d) => portalDay(d)).join(" – ");
  if (when || where) facts.push([when, where].filter(Boolean).join(" · "));
  if (event.theme) facts.push(`Chủ đề: ${event.theme}`);
  if (event.description) facts.push(event.description);
  return facts;
}

function eventLinks(event: Schemas["Event"], children: Schemas["Event"][]): Entity["links"] {
  const links: Entity["links"] = [];
  if (event.parent) links.push({ rel: "Thuộc", href: `/su-kien/${slugOf(event.parent)}`, name: withShortName(event.parent) });
  for (const child of children) links.push({ rel: "Gồm", href: `/su-kien/${slugOf(child)}`, name: withShortName(child) });
  return links;
}

/** The article list's filter for an item of `kind` (`?event=amcc7`). */
export function filterOf(kind: Kind, slug: string): Partial<Record<Kind, string>> {
  return { [kind]: slug };
}
