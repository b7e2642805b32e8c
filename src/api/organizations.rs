//! `/api/v1/organizations`: government bodies, agencies, news agencies, forums.

use actix_web::{delete, get, patch, post, put};
use serde_json::Value;

use super::editing::{check_parent, write_routes, written, Checked, Editable};
use super::query::{list_params, search, ListOptions, ListSpec, Problems};
use super::read::{get_included, item_route, list_route, listed_from, Listable};
use crate::db::organizations::{
    self as db, OrganizationChanges, OrganizationFilter, OrganizationRow, OrganizationSort,
};
use crate::db::{refer, DbConnection, Record};
use crate::domain::check::{parse_country, Checks};
use crate::domain::derive;
use crate::domain::key::parse_key;
use crate::domain::kinds::OrganizationKind;
use crate::domain::languages::stored;
use crate::domain::organizations::NewOrganization;
use crate::error::ApiError;
use crate::views::envelope::{ItemResponse, ListResponse};
use crate::views::organizations::{load, Organization};
use crate::views::{single, to_value, Ctx, IncludeTree};

/// Organizations, for the shared list and write flows.
pub struct Organizations;

impl Listable for Organizations {
    type Params = OrganizationListParams;
    type Filter = OrganizationFilter;
    type Sort = OrganizationSort;
    type Row = OrganizationRow;
    type Options = IncludeTree;
    type Item = Organization;
    const COLLECTION: &'static str = "organizations";
    const SPEC: ListSpec<OrganizationSort> = ListSpec {
        sorts: &[
            ("name", OrganizationSort::Name),
            ("short_name", OrganizationSort::ShortName),
            ("id", OrganizationSort::Id),
            ("updated_at", OrganizationSort::UpdatedAt),
        ],
        cursor_sorts: &["name", "id", "updated_at"],
        default_sort: "name",
        fields: &[
            "slug",
            "name",
            "name_en",
            "names",
            "language",
            "short_name",
            "kind",
            "country",
            "parent",
            "description",
            "version",
            "created_at",
            "updated_at",
        ],
        includes: &["parent", "parent.parent"],
    };

    fn parse(
        params: &OrganizationListParams,
        list: &ListOptions<OrganizationSort>,
        _ctx: Ctx,
        problems: &mut Problems,
    ) -> (OrganizationFilter, IncludeTree) {
        let filter = OrganizationFilter {
            kind: params
                .kind
                .as_deref()
                .and_then(|k| problems.check("kind", OrganizationKind::parse(k))),
            country: params
                .country
                .as_deref()
                .and_then(|c| problems.check("country", parse_country(c))),
            parent: params
                .parent
                .as_deref()
                .and_then(|p| problems.check("parent", parse_key(p))),
            search: search(problems, params.q.as_deref()),
            only: None,
        };
        (filter, list.include.clone())
    }

    const SEARCH: Option<crate::db::search::Kind> = Some(crate::db::search::Kind::Organization);

    fn search(filter: &Self::Filter) -> Option<&crate::domain::search::Query> {
        filter.search.as_ref()
    }

    fn search_mut(
        filter: &mut Self::Filter,
    ) -> Option<(&mut crate::domain::search::Query, Option<String>)> {
        filter.search.as_mut().map(|query| (query, None))
    }

    fn only(filter: &mut Self::Filter, ids: Vec<i64>) {
        filter.only = Some(ids);
    }

    listed_from!(db, crate::views::organizations);
}

list_params! {
    /// Filters and options of `GET /api/v1/organizations`.
    pub struct OrganizationListParams {
        sort: ("Comma list of `name`, `short_name`, `id`, `updated_at`; `-` for descending; at most 3. Default `name`. Or `relevance` (with `q`): ranked as `/search` ranks.", "name",
            "^(relevance|-?(name|short_name|id|updated_at)(,-?(name|short_name|id|updated_at)){0,2})$"),
        fields: ("Only these fields (and `id`): comma list of the organization's fields.", "name,short_name",
            "^(slug|name|name_en|names|language|short_name|kind|country|parent|description|version|created_at|updated_at)(,(slug|name|name_en|names|language|short_name|kind|country|parent|description|version|created_at|updated_at))*$"),
        @include ("Embed related items whole: `parent`, `parent.parent`.", "parent", "^(parent|parent\\.parent)(,(parent|parent\\.parent))*$"),
        @names_in lang,
        /// Only organizations of this kind.
        #[param(value_type = Option<OrganizationKind>, example = "news_agency")]
        kind,
        /// Only organizations of this country (ISO 3166-1 alpha-2).
        #[param(pattern = "^[A-Za-z]{2}$", example = "VN")]
        country,
        /// Only organizations under this parent (id or slug).
        #[param(pattern = "^[a-z0-9-]{1,128}$", example = "asean")]
        parent,
        /// Words to find in the names, folded (`bo cong an` finds `Bộ Công an`).
        #[param(max_length = 200, example = "an ninh mạng")]
        q,
    }
}

/// Options of `GET /api/v1/organizations/{id_or_slug}`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrganizationParams {
    /// Embed related items whole: `parent`, `parent.parent`.
    #[param(
        example = "parent",
        pattern = "^(parent|parent\\.parent)(,(parent|parent\\.parent))*$"
    )]
    pub include: Option<String>,
    /// The language of names (BCP 47, e.g. `en`): served languages only, a tag with no match
    /// falls back to the default. Without it, `Accept-Language` chooses. Malformed: a 400.
    #[param(
        max_length = 35,
        pattern = "^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$",
        example = "en"
    )]
    pub lang: Option<String>,
}

list_route! {
    /// List organizations.
    ///
    /// Government bodies, ministries, intergovernmental bodies, news agencies and others, sorted by
    /// name by default.
    list_organizations: Organizations, OrganizationListParams => Organization,
    get "/organizations", tag "organizations", "A page of organizations"
}

item_route! {
    /// Get one organization.
    get_organization: OrganizationParams => Organization,
    get "/organizations/{id_or_slug}", tag "organizations", example "ttxvn", "organization",
    found "The organization", invalid "A query parameter is invalid or unknown",
    missing "No such organization", gone "The organization was deleted",
    |state, req, caller, key, query| {
        get_included::<Organizations>(state, &req, &caller, key, query.include.as_deref()).await
    }
}

pub struct CheckedOrganization {
    changes: OrganizationChanges,
    slug_given: bool,
}

impl Checked for CheckedOrganization {
    fn slug(&mut self) -> (&mut String, bool) {
        (&mut self.changes.slug, self.slug_given)
    }
}

impl Editable for Organizations {
    type Row = OrganizationRow;
    const READ_ONLY: &'static [&'static str] =
        &["id", "language", "version", "created_at", "updated_at"];
    type Input = NewOrganization;
    type Checked = CheckedOrganization;

    fn represent(conn: &mut DbConnection, id: i64, ctx: Ctx) -> Result<(i32, Value), ApiError> {
        let row = written::<OrganizationRow>(conn, id)?;
        let org = single(
            load(conn, vec![row], &IncludeTree::default(), ctx)?,
            OrganizationRow::NOUN,
        )?;
        Ok((org.version, to_value(&org)?))
    }

    fn check(
        conn: &mut DbConnection,
        input: NewOrganization,
        ctx: Ctx,
    ) -> Result<CheckedOrganization, ApiError> {
        let mut checks = Checks::default();
        let mut org = input;
        let kind = org.validate(&mut checks, ctx.lang.languages);
        let parent = match &org.parent {
            Some(reference) => refer::<OrganizationRow>(conn, reference, "/parent", &mut checks)?,
            None => None,
        };
        checks.into_result()?;
        let keys = derive::organization_keys(&org.name, &org.names, org.short_name.as_deref());
        Ok(CheckedOrganization {
            slug_given: org.slug.is_some(),
            changes: OrganizationChanges {
                slug: derive::slug_for(
                    org.slug,
                    org.short_name.as_deref(),
                    &org.name,
                    OrganizationRow::NOUN,
                ),
                search_key: keys.search_key,
                sort_key: keys.sort_key,
                name: org.name,
                names: stored(&org.names),
                short_name: org.short_name,
                kind,
                country: org.country,
                parent_id: parent.map(|p| p.id),
                description: org.description,
                updated_at: ctx.now,
            },
        })
    }

    fn insert(
        conn: &mut DbConnection,
        checked: &CheckedOrganization,
        _ctx: Ctx,
    ) -> Result<i64, ApiError> {
        Ok(Self::Row::insert(conn, &checked.changes)?)
    }

    fn update(
        conn: &mut DbConnection,
        id: i64,
        expected: i32,
        checked: &CheckedOrganization,
        _ctx: Ctx,
    ) -> Result<bool, ApiError> {
        if let Some(parent) = checked.changes.parent_id {
            check_parent(&db::ancestors(conn, parent)?, id, OrganizationRow::NOUN)?;
        }
        Ok(Self::Row::update(conn, id, expected, &checked.changes)?)
    }

    fn deletable(conn: &mut DbConnection, id: i64) -> Result<(), ApiError> {
        match db::dependents(conn, id)? {
            (0, 0) => Ok(()),
            (sourced, held) => Err(ApiError::Conflict(format!(
                "still the source of {sourced} article(s) and the organization of {held} position(s)"
            ))),
        }
    }
}

write_routes! {
    editable: Organizations,
    input: NewOrganization,
    output: Organization,
    tag: "organizations",
    collection: "/organizations",
    item: "/organizations/{id_or_slug}",
    example: "ttxvn",
    create: (create_organization, "Create an organization."),
    replace: (replace_organization, "Replace an organization."),
    update: (update_organization, "Change an organization (JSON merge patch)."),
    delete: (delete_organization, "Delete an organization (soft).\\n\\nRefused with 409 while it is an article's source or a position's organization."),
}
