// Structured data for search engines: an article as schema.org's NewsArticle, on the portal's
// own URLs.
import type { components } from "@newsroom/client";

import { PUBLIC_API_URL } from "./api";
import { paths } from "./format";

type Article = components["schemas"]["Article"];

export function newsArticle(article: Article, site: URL): object {
  const url = new URL(paths.article(article.slug ?? String(article.id), article.language), site).toString();
  const images = [article.cover, ...(article.body ?? [])]
    .filter((b): b is Extract<NonNullable<Article["cover"]>, { type: "image" }> => !!b && b.type === "image")
    .map((b) => b.src)
    .filter((src): src is string => !!src)
    .map((src) => new URL(src, PUBLIC_API_URL).toString());
  return {
    "@context": "https://schema.org",
    "@type": "NewsArticle",
    mainEntityOfPage: url,
    url,
    headline: article.title,
    description: article.lead ?? undefined,
    inLanguage: article.language ?? "vi",
    datePublished: article.published_at ?? undefined,
    dateModified: article.updated_at ?? article.published_at ?? undefined,
    image: images.length > 0 ? images : undefined,
    author:
      article.authors && article.authors.length > 0
        ? article.authors.map((a) => ({ "@type": "Person", name: a.name, url: new URL(paths.author(a.slug), site).toString() }))
        : article.source
          ? [{ "@type": "Organization", name: article.source.name }]
          : undefined,
    publisher: { "@type": "Organization", name: "Tin tức newsroom" },
    sourceOrganization: article.source ? { "@type": "Organization", name: article.source.name } : undefined,
    about: (article.events ?? []).map((e) => ({ "@type": "Event", name: e.name })),
    mentions: [
      ...(article.people ?? []).map((p) => ({ "@type": "Person", name: p.name })),
      ...(article.organizations ?? []).map((o) => ({ "@type": "Organization", name: o.name })),
    ],
    keywords: (article.tags ?? []).map((t) => t.name).join(", ") || undefined,
  };
}
