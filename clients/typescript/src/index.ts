// A thin layer over the client openapi-fetch builds from newsroom's OpenAPI description
// (`src/schema.d.ts`, generated: `npm run generate`). It adds what every caller of the API
// needs and the description cannot say: the token, `If-Match` from the ETag last read,
// iteration of a list by `next_cursor`, and problem+json errors thrown as `NewsroomError`.

import createClient, {
  type Client,
  type FetchResponse,
  type MaybeOptionalInit,
  type Middleware,
} from "openapi-fetch";
import type { HttpMethod, PathsWithMethod, RequiredKeysOf } from "openapi-typescript-helpers";

import type { components, paths } from "./schema.js";

export type { components, paths };
/** The shape of every error the API answers (RFC 9457). */
export type Problem = components["schemas"]["Problem"];
export type Article = components["schemas"]["Article"];

/** One parameter's (`parameter`) or body field's (`pointer`, a JSON Pointer) problem. */
export type FieldError = components["schemas"]["FieldError"];

/** A non-2xx answer, with the problem document the API sent (or what could be read of it). */
export class NewsroomError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** The problem type, such as `/problems/precondition-failed`. */
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  /** Each parameter or field at fault, for validation and parameter problems; else empty. */
  readonly errors: FieldError[];
  /** The request id the API logged the answer under (`X-Request-Id`). */
  readonly requestId: string | null;

  constructor(status: number, problem: Partial<Problem> & { errors?: unknown }, requestId: string | null) {
    const title = typeof problem.title === "string" ? problem.title : `HTTP ${status}`;
    const detail = typeof problem.detail === "string" ? problem.detail : "";
    super(detail ? `${title}: ${detail}` : title);
    this.name = "NewsroomError";
    this.status = status;
    this.type = typeof problem.type === "string" ? problem.type : "about:blank";
    this.title = title;
    this.detail = detail;
    this.errors = Array.isArray(problem.errors) ? problem.errors.filter(isFieldError) : [];
    this.requestId = requestId;
  }
}

function isFieldError(value: unknown): value is FieldError {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.message === "string";
}

export interface NewsroomOptions {
  /** Where the API is, such as `http://127.0.0.1:8080` (no trailing `/api/v1`). */
  baseUrl: string;
  /** A bearer token (`newsroom token create`); anonymous without one. */
  token?: string;
  /** Headers sent with every request (a User-Agent, say). */
  headers?: Record<string, string>;
  /** The fetch to use (default: the global one). */
  fetch?: (input: Request) => Promise<Response>;
}

// openapi-fetch's own rule: the options argument is required when the operation has required
// parameters or a required body.
type InitParam<Init> = RequiredKeysOf<Init> extends never ? [Init?] : [Init];

/** What a successful call resolves to: the body the description gives for 2xx. */
type Data<Path extends keyof paths, Method extends HttpMethod, Init> = Exclude<
  FetchResponse<paths[Path][Method & keyof paths[Path]] & Record<string | number, any>, Init, `${string}/${string}`>["data"],
  undefined
>;

type Call<Method extends HttpMethod> = <
  Path extends PathsWithMethod<paths, Method>,
  Init extends MaybeOptionalInit<paths[Path], Method>,
>(
  url: Path,
  ...init: InitParam<Init>
) => Promise<Data<Path, Method, Init>>;

/** A list path: one whose answer has `data` as an array and `meta`. */
type ListItem<Path extends PathsWithMethod<paths, "get">, Init> =
  Data<Path, "get", Init> extends { data: Array<infer Item>; meta: unknown } ? Item : never;

export interface Newsroom {
  /** The openapi-fetch client underneath, for what this layer does not cover. */
  readonly api: Client<paths>;
  /** Reads; resolves to the 2xx body, throws `NewsroomError` otherwise. */
  readonly get: Call<"get">;
  readonly post: Call<"post">;
  readonly put: Call<"put">;
  readonly patch: Call<"patch">;
  readonly delete: Call<"delete">;
  /** The ETag last read at a URL path (`/api/v1/articles/amcc7`), if any. */
  etagOf(path: string): string | undefined;
  /** `{ "If-Match": <the ETag last read at path> }`, to send back with an edit of what was read. */
  ifMatch(path: string): { "If-Match": string };
  /**
   * Every item of a list, page after page by `next_cursor` (keyset pagination: deep pages cost
   * as much as the first). The list's `sort` must be one a cursor can follow (the default is).
   */
  list<Path extends PathsWithMethod<paths, "get">, Init extends MaybeOptionalInit<paths[Path], "get">>(
    url: Path,
    ...init: InitParam<Init>
  ): AsyncGenerator<ListItem<Path, Init>, void, undefined>;
  /** Uploads an image (multipart: the file and its texts); resolves to the media item. */
  upload(
    file: Blob,
    texts?: { filename?: string; alt?: string; caption?: string; credit?: string },
  ): Promise<components["schemas"]["ItemResponse_MediaItem"]>;
}

/** A client of the newsroom API at `options.baseUrl`. */
export function createNewsroom(options: NewsroomOptions): Newsroom {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  const api = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    headers,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const etags = new Map<string, string>();
  const remember: Middleware = {
    onResponse({ request, response }) {
      const etag = response.headers.get("etag");
      if (etag && response.ok && request.method !== "DELETE") {
        etags.set(new URL(request.url).pathname, etag);
      }
      return undefined;
    },
  };
  api.use(remember);

  const call =
    <Method extends HttpMethod>(method: Uppercase<Method>): Call<Method> =>
    (async (url: string, init?: Record<string, unknown>) => {
      const send = api[method as "GET"] as unknown as (
        url: string,
        init?: Record<string, unknown>,
      ) => Promise<{ data?: unknown; error?: unknown; response: Response }>;
      const answer = await send(url, init);
      return unwrap(answer);
    }) as unknown as Call<Method>;

  const get = call<"get">("GET");

  return {
    api,
    get,
    post: call<"post">("POST"),
    put: call<"put">("PUT"),
    patch: call<"patch">("PATCH"),
    delete: call<"delete">("DELETE"),
    etagOf: (path) => etags.get(path),
    ifMatch(path) {
      const etag = etags.get(path);
      if (etag === undefined) {
        throw new Error(`no ETag read at ${path} yet: GET it first`);
      }
      return { "If-Match": etag };
    },
    list: async function* (url: string, init?: { params?: { query?: Record<string, unknown> } }) {
      let cursor: string | null | undefined;
      const seen = new Set<string>();
      do {
        const query: Record<string, unknown> = { ...init?.params?.query };
        if (cursor) {
          delete query.page;
          query.cursor = cursor;
          query.count = "none";
        }
        const page = (await (get as unknown as (u: string, i: unknown) => Promise<unknown>)(url, {
          ...init,
          params: { ...init?.params, query },
        })) as { data: unknown[]; meta: { next_cursor?: string | null } };
        for (const item of page.data) yield item;
        cursor = page.meta.next_cursor;
        // A cursor is the last item's key: the same one twice would loop for ever.
        if (cursor && seen.has(cursor)) throw new Error(`the list at ${url} repeated its cursor`);
        if (cursor) seen.add(cursor);
      } while (cursor);
    } as Newsroom["list"],
    async upload(file, texts = {}) {
      const form = new FormData();
      form.append("file", file, texts.filename ?? "image");
      for (const key of ["alt", "caption", "credit"] as const) {
        const value = texts[key];
        if (value !== undefined) form.append(key, value);
      }
      const answer = await api.POST("/api/v1/media", {
        body: form as unknown as components["schemas"]["MediaUpload"],
        bodySerializer: (body: unknown) => body as FormData,
      });
      return unwrap(answer) as components["schemas"]["ItemResponse_MediaItem"];
    },
  };
}

/** The 2xx body, or the problem the API answered thrown as `NewsroomError`. */
function unwrap(answer: { data?: unknown; error?: unknown; response: Response }): unknown {
  const { response } = answer;
  if (response.ok) return answer.data;
  const problem =
    typeof answer.error === "object" && answer.error !== null
      ? (answer.error as Partial<Problem>)
      : { detail: typeof answer.error === "string" ? answer.error : "" };
  throw new NewsroomError(response.status, problem, response.headers.get("x-request-id"));
}
