import type { APIRoute } from "astro";

import { passThrough } from "../../lib/proxy";

// `news.xml` and `articles-{page}.xml`, nothing else.
export const GET: APIRoute = ({ params, request }) =>
  /^(news|articles-\d{1,6})\.xml$/.test(params.file ?? "")
    ? passThrough(`/sitemaps/${params.file}`, request)
    : new Response("Không tìm thấy", { status: 404 });
