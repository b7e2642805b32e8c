// What an article page shows, in either edition: the article with its names in the edition's
// language, its related articles and the edition's newest others; or why there is none, or
// where the article's own edition has it.
import type { components, Newsroom } from "@newsroom/client";

import { failurePage } from "./api";
import { paths } from "./format";
import { editionOf, type Edition } from "./i18n";
import { chrome, type Chrome } from "./page";

type Article = components["schemas"]["Article"];

export interface ArticlePage {
  frame: Chrome;
  article: Article;
  related: Article[];
  others: Article[];
  /** The page in each edition that has it (`hreflang`, path), and `x-default`. */
  alternates: { hreflang: string; path: string }[];
}

export type Loaded =
  | { page: ArticlePage }
  | { status: 404 | 410 | 503 }
  /** The article is another edition's, or its slug was renamed: its own URL. */
  | { redirect: string };

export async function loadArticle(newsroom: Newsroom, slug: string, edition: Edition): Promise<Loaded> {
  if (!/^[a-z0-9-]{1,128}$/.test(slug)) return { status: 404 };
  const lang = edition;
  try {
    const [frame, article, related, latest] = await Promise.all([
      chrome(newsroom, lang),
      newsroom.get("/api/v1/articles/{id_or_slug}", { params: { path: { id_or_slug: slug }, query: { lang } } }),
      newsroom
        .get("/api/v1/articles/{id_or_slug}/related", { params: { path: { id_or_slug: slug }, query: { limit: 5, lang } } })
        .catch(() => ({ data: [] as Article[] })),
      newsroom.get("/api/v1/articles", {
        params: { query: { per_page: 5, count: "none", language: edition, lang } },
      }),
    ]);
    const own = paths.article(article.data.slug ?? slug, article.data.language);
    // A renamed slug (the API followed its 301), or an article of the other edition.
    if (article.data.slug !== slug || editionOf(article.data.language) !== edition) {
      return { redirect: own };
    }
    // Other articles' teasers, as the seed page ends with one: the newest not already shown.
    const shown = new Set([article.data.id, ...related.data.map((a) => a.id)]);
    const others = latest.data.filter((a) => !shown.has(a.id)).slice(0, 3);
    const editions = [
      { language: article.data.language ?? edition, slug: article.data.slug ?? slug },
      ...(article.data.translations ?? []).map((t) => ({ language: t.language, slug: t.slug })),
    ];
    const alternates =
      editions.length > 1
        ? [
            ...editions.map((e) => ({ hreflang: e.language, path: paths.article(e.slug, e.language) })),
            ...editions
              .filter((e) => e.language === "vi")
              .map((e) => ({ hreflang: "x-default", path: paths.article(e.slug, e.language) })),
          ]
        : [];
    return { page: { frame, article: article.data, related: related.data, others, alternates } };
  } catch (error) {
    return { status: failurePage(error) };
  }
}
