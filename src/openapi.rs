//! The OpenAPI document: generated from the handlers by utoipa, committed at
//! `openapi/openapi.json`, served at `/openapi.json`, checked by a test.

use actix_web::App;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use crate::api::query::CountMode;
use crate::api::visits::Period;
use crate::error::Problem;
use crate::views::articles::Article;
use crate::views::events::{Event, EventRef};
use crate::views::organizations::{Organization, OrganizationRef};
use crate::views::people::{Person, PersonRef};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "newsroom",
        description = "Nội dung của cổng tin tức dưới dạng JSON: bài viết, sự kiện, nhân vật, tổ chức.\n\nA headless content API for a Vietnamese news portal. Times are RFC 3339 with the portal's offset (`+07:00`, Asia/Ho_Chi_Minh). Every error is `application/problem+json` (RFC 9457). Lists take `page`, `per_page`, `sort`, `fields` and `include`, answer `{data, meta, links}` and send the same links in a `Link` header. Unknown query parameters are an error.",
        license(name = "MIT", identifier = "MIT"),
    ),
    tags(
        (name = "articles", description = "Bài viết: articles, with their body as typed blocks"),
        (name = "events", description = "Sự kiện: conferences and meetings, with parents and children"),
        (name = "people", description = "Nhân vật: officials, with aliases and positions over time"),
        (name = "organizations", description = "Tổ chức: government bodies, agencies, forums"),
        (name = "tags", description = "Thẻ: tags with article counts"),
        (name = "search", description = "Tìm kiếm: articles, events, people and organizations in one ranked list"),
        (name = "media", description = "Ảnh: the image library, its variants and its files"),
        (name = "visits", description = "Lượt truy cập: the visit beacon, the counter and the most read"),
        (name = "authors", description = "Tác giả: the newsroom's reporters, and their articles"),
        (name = "sections", description = "Chuyên mục: the portal's menu as a tree, and the articles of each section"),
        (name = "slots", description = "Vị trí: curated, ordered placements of articles on the portal's pages"),
        (name = "changes", description = "Thay đổi: every content change in commit order, for mirrors and caches"),
        (name = "feeds", description = "Nguồn tin: RSS, Atom and JSON feeds, sitemaps and the Google News sitemap of the portal's articles. The XML documents carry only what XML 1.0 can: in prose (a lead, a paragraph) a control character other than tab and line breaks is written as a space and U+FFFE/U+FFFF are left out; one-line texts (titles, names) never hold them, since a write refuses them with a 422"),
        (name = "webhooks", description = "Webhooks (admin): signed deliveries of content changes, with retries"),
        (name = "tokens", description = "API tokens (admin)"),
        (name = "service", description = "Health checks and this document"),
    ),
    modifiers(&BearerAuth),
    components(schemas(CountMode, Period, OrganizationRef, PersonRef, EventRef, Organization, Person, Event, Article, Problem))
)]
struct ApiDoc;

/// The bearer-token security scheme that write and preview routes name.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "`Authorization: Bearer nr_...` from `newsroom token create` or POST /api/v1/tokens. Scopes: content:preview, content:write (drafts; includes preview), content:publish (publishing, scheduling, unpublishing, changing or deleting what is out; includes write), admin (everything).",
                    ))
                    .build(),
            ),
        );
    }
}

/// Problems any operation may answer whatever its handler does, added to each: `429` (too many
/// connections from one address, bad tokens from one address, writes with one token: the
/// middleware of `api::limits`) and, where there is a body, `408` (it arrived too slowly).
fn add_shared_problems(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let problem = || {
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build()
    };
    let too_many = ResponseBuilder::new()
        .description("Too many connections or bad tokens from this address, or writes with this token (`Retry-After` says when to try again)")
        .content("application/problem+json", problem())
        .header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::Integer))
                .description(Some("Seconds to wait"))
                .build(),
        )
        .build();
    let too_slow = ResponseBuilder::new()
        .description("The body arrived slower than the minimum rate (1 KiB per 10 s by default)")
        .content("application/problem+json", problem())
        .build();
    let request_id = HeaderBuilder::new()
        .schema(
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::String)
                .examples([serde_json::json!("4f1c2a9e7b3d5f60a8c1e2d3b4f5a697")]),
        )
        .description(Some(
            "The request's id, in every response and every log line of the request: the caller's \
             own `X-Request-Id` when it is 1 to 128 of `A-Z a-z 0-9 . _ : -`, a fresh one otherwise",
        ))
        .build();
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let responses = &mut operation.responses.responses;
            if operation.request_body.is_some() {
                responses.insert("408".into(), too_slow.clone().into());
            }
            responses.insert("429".into(), too_many.clone().into());
            for response in responses.values_mut() {
                if let utoipa::openapi::RefOr::T(response) = response {
                    response
                        .headers
                        .insert("X-Request-Id".into(), request_id.clone());
                }
            }
        }
    }
}

/// The document served at `/openapi.json`: the committed one, which `spec_json` generated from
/// this code (a test fails when the two differ). Served as built into the program rather than
/// generated at start-up: generating it cost 20 MiB of memory and 30 ms (decision 0023).
pub const SERVED: &str = include_str!("../openapi/openapi.json");

/// The generated document as committed (pretty JSON with a final newline).
pub fn spec_json() -> String {
    let (_, doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::api::routes)
        .split_for_parts();
    let mut doc = doc;
    add_shared_problems(&mut doc);
    let mut json = doc.to_pretty_json().unwrap_or_else(|e| {
        tracing::error!(error = %e, "cannot render the OpenAPI document");
        String::from("{}")
    });
    json.push('\n');
    json
}
