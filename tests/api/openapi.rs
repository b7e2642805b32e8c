//! The committed spec is what the code generates.

#[test]
fn the_committed_openapi_json_matches_the_code() {
    let generated = newsroom::openapi::spec_json();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    if committed != generated {
        let first_difference = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map(|n| n + 1)
            .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()) + 1);
        panic!(
            "openapi/openapi.json differs from the generated spec (first at line {first_difference}).\n\
             Regenerate it with: cargo run -- openapi --output openapi/openapi.json"
        );
    }
}

#[test]
fn the_spec_documents_every_route_with_its_problems() {
    let spec: serde_json::Value =
        serde_json::from_str(&newsroom::openapi::spec_json()).expect("spec is JSON");
    assert_eq!(spec["openapi"], "3.1.0");
    let paths = spec["paths"].as_object().expect("paths");
    for path in [
        "/api/v1/articles",
        "/api/v1/articles/{id_or_slug}",
        "/api/v1/events",
        "/api/v1/events/{id_or_slug}",
        "/api/v1/events/{id_or_slug}/articles",
        "/api/v1/events/{id_or_slug}/children",
        "/api/v1/people",
        "/api/v1/people/{id_or_slug}",
        "/api/v1/people/{id_or_slug}/articles",
        "/api/v1/organizations",
        "/api/v1/organizations/{id_or_slug}",
        "/api/v1/organizations/{id_or_slug}/people",
        "/api/v1/tags",
        "/api/v1/search",
        "/livez",
        "/readyz",
        "/openapi.json",
    ] {
        assert!(paths.contains_key(path), "{path} is not documented");
    }
    for (path, item) in paths.iter().filter(|(p, _)| p.starts_with("/api/")) {
        let Some(responses) = item["get"]["responses"].as_object() else {
            continue;
        };
        assert!(responses.contains_key("400"), "{path} lacks 400");
        let problem = &responses["400"]["content"]["application/problem+json"];
        assert!(problem.is_object(), "{path}: 400 is not problem+json");
        let secured = item["get"].get("security").is_some();
        if !secured {
            assert!(responses.contains_key("503"), "{path} lacks 503");
        }
        if path.contains('{') {
            assert!(responses.contains_key("404"), "{path} lacks 404");
        }
    }
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("path item") {
            let responses = operation["responses"].as_object().expect("responses");
            assert!(responses.contains_key("429"), "{method} {path} lacks 429");
            if operation.get("requestBody").is_some() {
                assert!(responses.contains_key("408"), "{method} {path} lacks 408");
            }
            if operation.get("security").is_none() {
                continue;
            }
            let responses = operation["responses"].as_object().expect("responses");
            for status in ["401", "403"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} lacks {status}"
                );
            }
            // Tokens and preview links are revoked, not versioned; slots are never deleted
            // (no 410).
            if ["put", "patch", "delete"].contains(&method.as_str())
                && !path.starts_with("/api/v1/tokens")
                && !path.starts_with("/api/v1/slots")
                && !path.contains("/preview-links/")
            {
                for status in ["404", "410", "412", "428"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path} lacks {status}"
                    );
                }
            }
            if ["post", "put", "patch"].contains(&method.as_str())
                && operation.get("requestBody").is_some()
            {
                for status in ["400", "413", "415", "422"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path} lacks {status}"
                    );
                }
            }
        }
    }
    let text = spec.to_string();
    let references: std::collections::BTreeSet<&str> = text
        .split("#/components/schemas/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    let schemas = spec["components"]["schemas"].as_object().expect("schemas");
    for name in references {
        assert!(schemas.contains_key(name), "dangling reference to {name}");
    }
    assert!(text.contains("Tô Lâm"), "examples are Vietnamese");
}

#[test]
fn the_spec_patterns_are_the_ones_the_server_enforces() {
    let spec: serde_json::Value =
        serde_json::from_str(&newsroom::openapi::spec_json()).expect("spec is JSON");
    let params = spec["paths"]["/api/v1/articles"]["get"]["parameters"]
        .as_array()
        .expect("parameters");
    let pattern = |name: &str| {
        params
            .iter()
            .find(|p| p["name"] == name)
            .and_then(|p| p["schema"]["pattern"].as_str())
            .map(str::to_owned)
    };
    for name in ["published_after", "published_before", "updated_after"] {
        assert_eq!(
            pattern(name).as_deref(),
            Some(newsroom::domain::time::BOUND_PATTERN),
            "{name}"
        );
    }
    assert_eq!(pattern("event").as_deref(), Some("^[a-z0-9-]{1,128}$"));
}

/// The spec's `sort`, `fields` and `include` patterns spell out the very lists the server checks
/// against (`Listable::SPEC`), and its enums are the stored enums' texts: utoipa takes only a
/// literal `pattern`, so this test is what keeps the two sources one.
#[test]
fn the_spec_allowlists_are_the_server_allowlists() {
    use newsroom::api::query::ListSpec;
    use newsroom::api::read::Listable;
    use newsroom::api::{articles, events, organizations, people, tags};
    use newsroom::domain::kinds::{AliasKind, ArticleStatus, DatePrecision, OrganizationKind};

    let spec: serde_json::Value =
        serde_json::from_str(&newsroom::openapi::spec_json()).expect("spec is JSON");
    let pattern = |path: &str, name: &str| -> Option<String> {
        spec["paths"][path]["get"]["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .find(|p| p["name"] == name)
            .and_then(|p| p["schema"]["pattern"].as_str())
            .map(str::to_owned)
    };
    fn alternatives(list: &[&str]) -> String {
        list.join("|").replace('.', "\\.")
    }
    let check = |collection: &str,
                 item: &str,
                 sorts: Vec<&str>,
                 list_fields: &[&str],
                 list_includes: &[&str]| {
        let sorts = alternatives(&sorts);
        let keys = format!("-?({sorts})(,-?({sorts})){{0,2}}");
        // Every searchable list also takes `relevance` (tags are not searched).
        let sort = match collection == "/api/v1/tags" {
            true => format!("^{keys}$"),
            false => format!("^(relevance|{keys})$"),
        };
        assert_eq!(pattern(collection, "sort"), Some(sort), "{collection} sort");
        let fields = alternatives(list_fields);
        let fields = format!("^({fields})(,({fields}))*$");
        assert_eq!(
            pattern(collection, "fields"),
            Some(fields.clone()),
            "{collection} fields"
        );
        let includes = alternatives(list_includes);
        let includes =
            (!list_includes.is_empty()).then(|| format!("^({includes})(,({includes}))*$"));
        assert_eq!(
            pattern(collection, "include"),
            includes,
            "{collection} include"
        );
        // The item takes the same lists where it takes the parameter at all.
        for (name, expected) in [("fields", Some(fields)), ("include", includes)] {
            if let Some(found) = pattern(item, name) {
                assert_eq!(Some(found), expected, "{item} {name}");
            }
        }
    };
    macro_rules! check {
        ($collection:literal, $item:literal, $spec:expr) => {{
            let spec: &ListSpec<_> = &$spec;
            check(
                $collection,
                $item,
                spec.sort_names(),
                spec.fields,
                spec.includes,
            );
        }};
    }
    check!(
        "/api/v1/articles",
        "/api/v1/articles/{id_or_slug}",
        articles::Articles::SPEC
    );
    check!(
        "/api/v1/events",
        "/api/v1/events/{id_or_slug}",
        events::Events::SPEC
    );
    check!(
        "/api/v1/people",
        "/api/v1/people/{id_or_slug}",
        people::People::SPEC
    );
    check!(
        "/api/v1/organizations",
        "/api/v1/organizations/{id_or_slug}",
        organizations::Organizations::SPEC
    );
    check!(
        "/api/v1/tags",
        "/api/v1/tags/{id_or_slug}",
        tags::Tags::SPEC
    );
    for (schema, names) in [
        ("ArticleStatus", ArticleStatus::NAMES),
        ("OrganizationKind", OrganizationKind::NAMES),
        ("DatePrecision", DatePrecision::NAMES),
        ("AliasKind", AliasKind::NAMES),
    ] {
        let listed: Vec<&str> = spec["components"]["schemas"][schema]["enum"]
            .as_array()
            .expect("an enum")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        assert_eq!(listed, names, "{schema}");
    }
}

/// Every bound a write enforces (`domain::check::max`) is the one the spec documents.
#[test]
fn the_spec_bounds_are_the_server_bounds() {
    use newsroom::domain::check::max;

    let spec: serde_json::Value =
        serde_json::from_str(&newsroom::openapi::spec_json()).expect("spec is JSON");
    let schemas = &spec["components"]["schemas"];
    let bound = |schema: &str, field: &str, keyword: &str| {
        let direct = &schemas[schema]["properties"][field][keyword];
        if !direct.is_null() {
            return direct.as_u64();
        }
        // An optional field is `oneOf [null, {...}]` or carries the keyword beside `type`.
        schemas[schema]["properties"][field]["oneOf"]
            .as_array()
            .and_then(|alts| alts.iter().find_map(|a| a[keyword].as_u64()))
    };
    let texts = [
        ("NewArticle", "title", max::LINE),
        ("NewArticle", "lead", max::PARAGRAPH),
        ("NewArticle", "byline", max::LINE),
        ("NewEvent", "name", max::NAME),
        ("NewEvent", "name_en", max::LINE),
        ("NewEvent", "short_name", max::NAME),
        ("NewEvent", "theme", max::LINE),
        ("NewEvent", "description", max::TEXT),
        ("NewEvent", "city", max::NAME),
        ("NewParticipant", "role", max::LINE),
        ("NewPerson", "name", max::NAME),
        ("NewPerson", "honorific", max::NAME),
        ("NewPerson", "bio", max::TEXT),
        ("NewAlias", "name", max::NAME),
        ("NewPosition", "title", max::NAME),
        ("NewPosition", "title_en", max::LINE),
        ("NewOrganization", "name", max::NAME),
        ("NewOrganization", "name_en", max::LINE),
        ("NewOrganization", "short_name", max::NAME),
        ("NewOrganization", "description", max::TEXT),
        ("NewTag", "name", max::NAME),
    ];
    for (schema, field, limit) in texts {
        assert_eq!(
            bound(schema, field, "maxLength"),
            Some(limit as u64),
            "{schema}.{field}"
        );
    }
    let lists = [
        ("NewArticle", "body", max::BLOCKS),
        ("NewArticle", "tags", max::TAGS),
        ("NewArticle", "events", max::LINKS),
        ("NewArticle", "people", max::LINKS),
        ("NewArticle", "organizations", max::LINKS),
        ("NewEvent", "organizers", max::LINKS),
        ("NewEvent", "participants", max::LINKS),
        ("NewPerson", "aliases", max::ENTRIES),
        ("NewPerson", "positions", max::ENTRIES),
    ];
    for (schema, field, limit) in lists {
        assert_eq!(
            bound(schema, field, "maxItems"),
            Some(limit as u64),
            "{schema}.{field}"
        );
    }
    let blocks = serde_json::to_string(&schemas["Block"]).expect("Block");
    for limit in [max::TEXT, max::LINE, max::URL, max::PARAGRAPH] {
        assert!(
            blocks.contains(&format!("\"maxLength\":{limit}")),
            "Block documents {limit}"
        );
    }
}

#[test]
fn the_spec_names_every_change_type_and_webhook_event_the_descriptors_declare() {
    use newsroom::domain::resources::{event_names, RESOURCES};
    let spec: serde_json::Value =
        serde_json::from_str(&newsroom::openapi::spec_json()).expect("spec is JSON");
    let kinds: Vec<&str> = RESOURCES.iter().map(|r| r.kind).collect();
    let one = kinds.join("|");
    let wanted = format!("^({one})(,({one})){{0,{}}}$", kinds.len() - 1);
    let pattern = spec["paths"]["/api/v1/changes"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "type")
        .and_then(|p| p["schema"]["pattern"].as_str())
        .map(str::to_owned);
    assert_eq!(pattern, Some(wanted), "the change feed's `type` pattern");
    let events = event_names();
    for schema in ["NewWebhook", "WebhookEdit"] {
        let property = &spec["components"]["schemas"][schema]["properties"]["events"];
        assert_eq!(
            property["maxItems"].as_u64(),
            Some(events.len() as u64),
            "{schema}.events"
        );
        let description = property["description"].as_str().unwrap_or_default();
        for resource in RESOURCES {
            assert!(
                description.contains(resource.kind),
                "{schema}.events does not describe {}'s events",
                resource.kind
            );
        }
    }
}

/// A map field written through a type alias (`Names`) became a `$ref` to one component named
/// `BTreeMap`, shared by every map: positions' titles (strings) were then documented as
/// objects, and schemathesis found the answers violating the spec. Maps are inlined.
#[test]
fn no_component_is_a_generic_collection_shared_by_unrelated_fields() {
    let spec: serde_json::Value =
        serde_json::from_str(&newsroom::openapi::spec_json()).expect("spec is JSON");
    let names: Vec<&String> = spec["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .keys()
        .filter(|name| ["BTreeMap", "HashMap", "Vec", "Option"].contains(&name.as_str()))
        .collect();
    assert!(names.is_empty(), "generic components: {names:?}");
}
