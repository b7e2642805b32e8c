// The client against a running newsroom with the demo data (`.ci/run` starts one):
// NEWSROOM_API_URL, and NEWSROOM_TOKEN with content:write and content:publish.

import assert from "node:assert/strict";
import { test } from "node:test";

import { createNewsroom, NewsroomError } from "../src/index.js";

const baseUrl = process.env.NEWSROOM_API_URL;
const token = process.env.NEWSROOM_TOKEN;
if (!baseUrl || !token) {
  throw new Error("NEWSROOM_API_URL and NEWSROOM_TOKEN must name a running newsroom and a writer's token");
}

const reader = createNewsroom({ baseUrl });
const writer = createNewsroom({ baseUrl, token });
const seed = "cong-cuoc-dau-tranh-phong-chong-tham-nhung-tieu-cuc-cua-dang-va-nha-nuoc-ta-dang-duoc-thuc-hien";

test("reads the seed article and the list it is in, typed", async () => {
  const article = await reader.get("/api/v1/articles/{id_or_slug}", {
    params: { path: { id_or_slug: seed } },
  });
  assert.equal(article.data.slug, seed);
  assert.match(article.data.title ?? "", /tham nhũng/);
  assert.ok((article.data.body ?? []).length > 0);
  const list = await reader.get("/api/v1/articles", {
    params: { query: { per_page: 5, tag: "phong-chong-tham-nhung" } },
  });
  assert.ok(list.data.some((a) => a.slug === seed));
  assert.equal(list.meta.per_page, 5);
  const event = await reader.get("/api/v1/events/{id_or_slug}", {
    params: { path: { id_or_slug: "amcc7" } },
  });
  assert.equal(event.data.short_name, "AMCC7");
});

test("problems are thrown as NewsroomError with their status, type and errors", async () => {
  await assert.rejects(
    reader.get("/api/v1/articles/{id_or_slug}", { params: { path: { id_or_slug: "khong-co-bai-nay" } } }),
    (error: unknown) => {
      assert.ok(error instanceof NewsroomError);
      assert.equal(error.status, 404);
      assert.equal(error.type, "/problems/not-found");
      assert.ok(error.requestId);
      return true;
    },
  );
  await assert.rejects(
    reader.get("/api/v1/articles", { params: { query: { per_page: 1000 } } }),
    (error: unknown) => {
      assert.ok(error instanceof NewsroomError);
      assert.equal(error.status, 400);
      assert.equal(error.type, "/problems/invalid-parameter");
      assert.ok(error.errors.some((e) => e.parameter === "per_page"), JSON.stringify(error.errors));
      return true;
    },
  );
});

test("walks a list by cursor: every item once, in order", async () => {
  const whole = await reader.get("/api/v1/events", { params: { query: { per_page: 100 } } });
  const walked: number[] = [];
  for await (const event of reader.list("/api/v1/events", { params: { query: { per_page: 1 } } })) {
    walked.push(event.id);
  }
  assert.ok(walked.length > 1, "the demo has several events");
  assert.deepEqual(
    walked,
    whole.data.map((e) => e.id),
  );
});

test("an edit sends back the ETag it read; a stale one is refused with 412", async () => {
  const created = await writer.post("/api/v1/articles", {
    body: {
      title: `Bài thử của client TypeScript ${Date.now()}`,
      lead: "Viết bằng client có kiểu.",
      body: [{ type: "paragraph", text: "Nội dung thử." }],
    },
  });
  const path = `/api/v1/articles/${created.data.id}`;
  const params = { path: { id_or_slug: String(created.data.id) } };
  const read = await writer.get("/api/v1/articles/{id_or_slug}", { params });
  const stale = writer.ifMatch(path);
  const edited = await writer.patch("/api/v1/articles/{id_or_slug}", {
    params: { ...params, header: writer.ifMatch(path) },
    body: { lead: "Đã sửa qua client." },
  });
  assert.equal(edited.data.lead, "Đã sửa qua client.");
  assert.notEqual(writer.etagOf(path), stale, "the edit's answer carries the new ETag");
  await assert.rejects(
    writer.put("/api/v1/articles/{id_or_slug}", {
      params: { ...params, header: stale },
      body: { title: read.data.title ?? "", lead: "Ghi đè bản cũ.", body: read.data.body ?? [] },
    }),
    (error: unknown) => {
      assert.ok(error instanceof NewsroomError);
      assert.equal(error.status, 412);
      assert.equal(error.type, "/problems/precondition-failed");
      return true;
    },
  );
  await writer.delete("/api/v1/articles/{id_or_slug}", {
    params: { ...params, header: writer.ifMatch(path) },
  });
});

test("uploads an image with its caption", async () => {
  // A 1x1 PNG.
  const png = Uint8Array.from(
    Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
      "base64",
    ),
  );
  const item = await writer.upload(new Blob([png], { type: "image/png" }), {
    filename: "cham.png",
    alt: "Một chấm ảnh",
    caption: "Ảnh thử của client.",
  });
  assert.equal(item.data.width, 1);
  assert.equal(item.data.caption, "Ảnh thử của client.");
  // The media library is editorial: read with the token.
  const again = await writer.get("/api/v1/media/{id}", { params: { path: { id: item.data.id } } });
  assert.equal(again.data.alt, "Một chấm ảnh");
});
