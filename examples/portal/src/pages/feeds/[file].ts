import type { APIRoute } from "astro";

import { passThrough } from "../../lib/proxy";

export const GET: APIRoute = ({ params, request }) =>
  /^articles\.(rss|atom|json)$/.test(params.file ?? "")
    ? passThrough(`/feeds/${params.file}`, request)
    : new Response("Không tìm thấy", { status: 404 });
