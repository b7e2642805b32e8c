import type { APIRoute } from "astro";

import { siteOf } from "../lib/format";
import { passThrough } from "../lib/proxy";

export const GET: APIRoute = ({ request }) => passThrough("/sitemap.xml", request, siteOf(request));
