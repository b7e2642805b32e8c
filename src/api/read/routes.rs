//! The route macros of every resource's reads: a list endpoint (or a sub-collection) and an
//! item GET, each with its OpenAPI documentation, written once.

/// A list endpoint with its OpenAPI documentation: the collection itself, or (with `within`) a
/// sub-collection that lists the same items narrowed to one parent. Everything but the names is
/// shared; the calling module imports `actix_web::get` (utoipa reads the bare name).
macro_rules! list_route {
    (
        $(#[$meta:meta])*
        $name:ident: $listable:ty, $params:ty => $output:ty,
        get $path:literal, tag $tag:literal, $items:literal
    ) => {
        $(#[$meta])*
        #[utoipa::path(
            tag = $tag,
            params(
                $params,
                ("If-None-Match" = Option<String>, Header, description = "ETags the caller holds: `304` when one is current"),
                ("Accept-Language" = Option<String>, Header, description = "The languages the caller reads, with quality values (`en-US,en;q=0.9,vi;q=0.8`): without `lang`, names are shown in the first one served (where the items have names; a token holder's is not read). A malformed value is ignored."),
            ),
            responses(
                (status = 200, description = $items, body = $crate::views::envelope::ListResponse<$output>,
                    headers(("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages"),
                        ("ETag" = String, description = "Strong ETag of the bytes sent (anonymous callers)"),
                        ("Cache-Control" = String, description = "`public, max-age, s-maxage, stale-while-revalidate` for anonymous callers (never past the next scheduled publish or midnight); `private, no-store` with a token"), ("Surrogate-Key" = String, description = "The items shown, for CDN purges (`article-1 person-7`; a list names its collection first); also as `Cache-Tag`, comma-separated"), ("Content-Language" = String, description = "The language names are shown in (`vi`, `en`), where the items have names"), ("Vary" = String, description = "`Accept-Encoding`, and `Accept-Language` when the language was chosen without `lang`"))),
                (status = 304, description = "Not modified: `If-None-Match` names the current ETag", headers(("ETag" = String, description = "The current ETag"))),
                (status = 400, description = "A query parameter is invalid or unknown", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 503, description = "The database is unavailable (`unavailable`), or, for a list with `q`, the search index is still being filled for content written before an upgrade (`search-filling`); both with `Retry-After`", body = $crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[get($path)]
        pub async fn $name(
            state: $crate::api::State,
            req: actix_web::HttpRequest,
            caller: $crate::api::auth::Caller,
            params: $crate::api::query::QueryParams<$params>,
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
            $crate::api::read::list::<$listable>(state, &req, &caller, params.0, None).await
        }
    };
    (
        $(#[$meta:meta])*
        $name:ident: $listable:ty, $params:ty => $output:ty,
        get $path:literal, tag $tag:literal, $items:literal,
        within $parent:ty, $suffix:literal, $parent_doc:literal, $example:literal,
        missing $missing:literal, gone $gone:literal,
        |$filter:ident, $id:ident, $ctx:ident| $narrow:block
    ) => {
        $(#[$meta])*
        #[utoipa::path(
            tag = $tag,
            params(
                ("id_or_slug" = String, Path, pattern = "^[a-z0-9-]{1,128}$", description = $parent_doc, example = $example),
                $params,
                ("If-None-Match" = Option<String>, Header, description = "ETags the caller holds: `304` when one is current"),
                ("Accept-Language" = Option<String>, Header, description = "The languages the caller reads, with quality values (`en-US,en;q=0.9,vi;q=0.8`): without `lang`, names are shown in the first one served (where the items have names; a token holder's is not read). A malformed value is ignored."),
            ),
            responses(
                (status = 200, description = $items, body = $crate::views::envelope::ListResponse<$output>,
                    headers(("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages"),
                        ("ETag" = String, description = "Strong ETag of the bytes sent (anonymous callers)"),
                        ("Cache-Control" = String, description = "`public, max-age, s-maxage, stale-while-revalidate` for anonymous callers (never past the next scheduled publish or midnight); `private, no-store` with a token"), ("Surrogate-Key" = String, description = "The items shown, for CDN purges (`article-1 person-7`; a list names its collection first); also as `Cache-Tag`, comma-separated"), ("Content-Language" = String, description = "The language names are shown in (`vi`, `en`), where the items have names"), ("Vary" = String, description = "`Accept-Encoding`, and `Accept-Language` when the language was chosen without `lang`"))),
                (status = 304, description = "Not modified: `If-None-Match` names the current ETag", headers(("ETag" = String, description = "The current ETag"))),
                (status = 301, description = "The slug changed: `Location` has the current URL", headers(("Location" = String, description = "The current URL"))),
                (status = 400, description = "A query parameter is invalid or unknown", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = $missing, body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 410, description = $gone, body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 503, description = "The database is unavailable", body = $crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[get($path)]
        pub async fn $name(
            state: $crate::api::State,
            req: actix_web::HttpRequest,
            caller: $crate::api::auth::Caller,
            path: actix_web::web::Path<String>,
            params: $crate::api::query::QueryParams<$params>,
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
            use $crate::db::Record as _;
            let key = $crate::api::query::path_key(&path.into_inner(), <$parent>::NOUN)?;
            type Filter = <$listable as $crate::api::read::Listable>::Filter;
            let scope = $crate::api::read::within::<$parent, Filter>(
                &req,
                &caller,
                key,
                $suffix,
                |$filter: &mut Filter, $id: i64, $ctx: $crate::views::Ctx| $narrow,
            );
            $crate::api::read::list::<$listable>(state, &req, &caller, params.0, scope).await
        }
    };
}
pub(crate) use list_route;

/// `GET` of one item with its OpenAPI documentation. The body gets the parsed path key and the
/// query parameters, and turns them into a response (usually through `get_item`).
macro_rules! item_route {
    (
        $(#[$meta:meta])*
        $name:ident: $params:ty => $output:ty,
        get $path:literal, tag $tag:literal, example $example:literal, $noun:literal,
        found $found:literal, invalid $invalid:literal, missing $missing:literal, gone $gone:literal,
        |$state:ident, $req:ident, $caller:ident, $key:ident, $query:ident| $body:block
    ) => {
        $(#[$meta])*
        #[utoipa::path(
            tag = $tag,
            params(
                ("id_or_slug" = String, Path, pattern = "^[a-z0-9-]{1,128}$", description = "Numeric id or slug", example = $example),
                $params,
                ("If-None-Match" = Option<String>, Header, description = "ETags the caller holds: `304` when one is current"),
                ("Accept-Language" = Option<String>, Header, description = "The languages the caller reads, with quality values (`en-US,en;q=0.9,vi;q=0.8`): without `lang`, names are shown in the first one served (where the items have names; a token holder's is not read). A malformed value is ignored."),
            ),
            responses(
                (status = 200, description = $found, body = $crate::views::envelope::ItemResponse<$output>,
                    headers(("ETag" = String, description = "Strong ETag of the bytes sent; `\"<version>\"` for token holders"), ("Cache-Control" = String, description = "`public, max-age, s-maxage, stale-while-revalidate` for anonymous callers (never past the next scheduled publish or midnight); `private, no-store` with a token"), ("Surrogate-Key" = String, description = "The items shown, for CDN purges (`article-1 person-7`; a list names its collection first); also as `Cache-Tag`, comma-separated"), ("Content-Language" = String, description = "The language names are shown in (`vi`, `en`), where the items have names"), ("Vary" = String, description = "`Accept-Encoding`, and `Accept-Language` when the language was chosen without `lang`"))),
                (status = 304, description = "Not modified: `If-None-Match` names the current ETag", headers(("ETag" = String, description = "The current ETag"))),
                (status = 301, description = "The slug changed: `Location` has the current URL", headers(("Location" = String, description = "The current URL"))),
                (status = 400, description = $invalid, body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = $missing, body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 410, description = $gone, body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 503, description = "The database is unavailable", body = $crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[get($path)]
        pub async fn $name(
            $state: $crate::api::State,
            $req: actix_web::HttpRequest,
            $caller: $crate::api::auth::Caller,
            path: actix_web::web::Path<String>,
            params: $crate::api::query::QueryParams<$params>,
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
            let $key = $crate::api::query::path_key(&path.into_inner(), $noun)?;
            let $query = params.0;
            $body
        }
    };
}
pub(crate) use item_route;
