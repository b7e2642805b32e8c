// The type-ahead's suggestions: the titles of the first results for what was typed, as JSON.
import type { APIRoute } from "astro";

import { pageApi } from "../../lib/api";

export const GET: APIRoute = async ({ url }) => {
  const q = (url.searchParams.get("q") ?? "").trim().slice(0, 100);
  if (q.length < 2) return Response.json([]);
  const { newsroom } = pageApi();
  try {
    const found = await newsroom.get("/api/v1/search", { params: { query: { q, per_page: 8, count: "none" } } });
    return Response.json(found.data.map((r) => r.title), { headers: { "Cache-Control": "public, max-age=60" } });
  } catch {
    return Response.json([], { status: 200, headers: { "Cache-Control": "no-store" } });
  }
};
