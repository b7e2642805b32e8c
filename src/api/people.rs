//! `/api/v1/people`: officials and others named in articles, with aliases and positions.

use actix_web::{delete, get, patch, post, put};
use serde_json::Value;

use super::editing::{write_routes, written, Checked, Editable};
use super::query::{list_params, search, ListOptions, ListSpec, Problems};
use super::read::{get_included, item_route, list_route, listed_from, Listable};
use crate::db::organizations::OrganizationRow;
use crate::db::people::{
    self as db, AliasRow, PersonChanges, PersonFilter, PersonRow, PersonSort, PositionRow,
};
use crate::db::{refer, DbConnection, Key, Record};
use crate::domain::check::{parse_country, Checks};
use crate::domain::derive;
use crate::domain::key::parse_key;
use crate::domain::languages::stored;
use crate::domain::people::NewPerson;
use crate::error::ApiError;
use crate::views::envelope::{ItemResponse, ListResponse};
use crate::views::people::{load, Person};
use crate::views::{single, to_value, Ctx, IncludeTree};

/// People, for the shared list and write flows.
pub struct People;

impl Listable for People {
    type Params = PersonListParams;
    type Filter = PersonFilter;
    type Sort = PersonSort;
    type Row = PersonRow;
    type Options = IncludeTree;
    type Item = Person;
    const COLLECTION: &'static str = "people";
    const SPEC: ListSpec<PersonSort> = ListSpec {
        sorts: &[
            ("name", PersonSort::Name),
            ("id", PersonSort::Id),
            ("updated_at", PersonSort::UpdatedAt),
        ],
        cursor_sorts: &["name", "id", "updated_at"],
        default_sort: "name",
        fields: &[
            "slug",
            "name",
            "names",
            "language",
            "honorific",
            "country",
            "bio",
            "aliases",
            "positions",
            "version",
            "created_at",
            "updated_at",
        ],
        includes: &["positions", "positions.parent"],
    };

    fn parse(
        params: &PersonListParams,
        list: &ListOptions<PersonSort>,
        _ctx: Ctx,
        problems: &mut Problems,
    ) -> (PersonFilter, IncludeTree) {
        let filter = PersonFilter {
            organization: params
                .organization
                .as_deref()
                .and_then(|o| problems.check("organization", parse_key(o))),
            country: params
                .country
                .as_deref()
                .and_then(|c| problems.check("country", parse_country(c))),
            search: search(problems, params.q.as_deref()),
            only: None,
            current_first_on: None,
        };
        (filter, list.include.clone())
    }

    const SEARCH: Option<crate::db::search::Kind> = Some(crate::db::search::Kind::Person);

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

    listed_from!(db, crate::views::people);
}

list_params! {
    /// Filters and options of the people lists.
    pub struct PersonListParams {
        sort: ("Comma list of `name`, `id`, `updated_at`; `-` for descending; at most 3. Default `name`. Or `relevance` (with `q`): ranked as `/search` ranks.", "name",
            "^(relevance|-?(name|id|updated_at)(,-?(name|id|updated_at)){0,2})$"),
        fields: ("Only these fields (and `id`): comma list of the person's fields.", "name,positions",
            "^(slug|name|names|language|honorific|country|bio|aliases|positions|version|created_at|updated_at)(,(slug|name|names|language|honorific|country|bio|aliases|positions|version|created_at|updated_at))*$"),
        @include ("Embed related items whole: `positions` (each position's organization), `positions.parent` (and its parent).", "positions", "^(positions|positions\\.parent)(,(positions|positions\\.parent))*$"),
        @names_in lang,
        /// Only people with a position (current or past) at this organization (id or slug).
        #[param(pattern = "^[a-z0-9-]{1,128}$", example = "bo-cong-an")]
        organization,
        /// Only people of this country (ISO 3166-1 alpha-2).
        #[param(pattern = "^[A-Za-z]{2}$", example = "SG")]
        country,
        /// Words to find in names and aliases, folded (`tieu chi hien` finds Teo Chee Hean).
        #[param(max_length = 200, example = "Tiêu Chí Hiền")]
        q,
    }
}

/// Options of `GET /api/v1/people/{id_or_slug}`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PersonParams {
    /// Embed related items whole: `positions`, `positions.parent`.
    #[param(
        example = "positions",
        pattern = "^(positions|positions\\.parent)(,(positions|positions\\.parent))*$"
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
    /// List people.
    ///
    /// Sorted by name by default; `q` matches names and aliases in any spelling the portal knows.
    list_people: People, PersonListParams => Person,
    get "/people", tag "people", "A page of people"
}

item_route! {
    /// Get one person, with aliases and positions.
    get_person: PersonParams => Person,
    get "/people/{id_or_slug}", tag "people", example "josephine-teo", "person",
    found "The person", invalid "A query parameter is invalid or unknown",
    missing "No such person", gone "The person was deleted",
    |state, req, caller, key, query| {
        get_included::<People>(state, &req, &caller, key, query.include.as_deref()).await
    }
}

list_route! {
    /// List the people with a position at an organization.
    ///
    /// Everyone who holds or held a position there, current holders first, then by name.
    list_organization_people: People, PersonListParams => Person,
    get "/organizations/{id_or_slug}/people", tag "organizations", "A page of people",
    within OrganizationRow, "/people", "Numeric id or slug of the organization", "bo-cong-an",
    missing "No such organization", gone "The organization was deleted",
    |filter, id, ctx| {
        filter.organization = Some(Key::Id(id));
        filter.current_first_on = Some(ctx.today());
    }
}

pub struct CheckedPerson {
    changes: PersonChanges,
    slug_given: bool,
    aliases: Vec<AliasRow>,
    positions: Vec<PositionRow>,
}

impl Checked for CheckedPerson {
    fn slug(&mut self) -> (&mut String, bool) {
        (&mut self.changes.slug, self.slug_given)
    }
}

fn index(i: usize) -> i32 {
    i32::try_from(i).unwrap_or(i32::MAX)
}

impl Editable for People {
    type Row = PersonRow;
    const READ_ONLY: &'static [&'static str] =
        &["id", "language", "version", "created_at", "updated_at"];
    type Input = NewPerson;
    type Checked = CheckedPerson;

    fn represent(conn: &mut DbConnection, id: i64, ctx: Ctx) -> Result<(i32, Value), ApiError> {
        let row = written::<PersonRow>(conn, id)?;
        let person = single(
            load(conn, vec![row], &IncludeTree::default(), ctx)?,
            PersonRow::NOUN,
        )?;
        Ok((person.version, to_value(&person)?))
    }

    fn check(
        conn: &mut DbConnection,
        input: NewPerson,
        ctx: Ctx,
    ) -> Result<CheckedPerson, ApiError> {
        let mut checks = Checks::default();
        let mut person = input;
        let kinds = person.validate(&mut checks, ctx.lang.languages);
        let mut positions = Vec::new();
        for (i, held) in person.positions.into_iter().enumerate() {
            let organization = match &held.organization {
                Some(reference) => {
                    let at = format!("/positions/{i}/organization");
                    refer::<OrganizationRow>(conn, reference, &at, &mut checks)?
                }
                None => None,
            };
            positions.push(PositionRow {
                person_id: 0,
                organization_id: organization.map(|o| o.id),
                title: held.title,
                titles: stored(&held.titles),
                starts_on: held.starts_on,
                ends_on: held.ends_on,
                position: index(i),
            });
        }
        checks.into_result()?;
        let aliases: Vec<AliasRow> = person
            .aliases
            .into_iter()
            .zip(kinds)
            .enumerate()
            .map(|(i, (alias, kind))| AliasRow {
                person_id: 0,
                name: alias.name,
                language: alias.language,
                kind,
                position: index(i),
            })
            .collect();
        let keys = derive::person_keys(
            &person.name,
            &person.names,
            aliases.iter().map(|a| a.name.as_str()),
        );
        Ok(CheckedPerson {
            slug_given: person.slug.is_some(),
            changes: PersonChanges {
                slug: derive::slug_for(person.slug, None, &person.name, PersonRow::NOUN),
                search_key: keys.search_key,
                sort_key: keys.sort_key,
                name: person.name,
                honorific: person.honorific,
                country: person.country,
                bio: person.bio,
                names: stored(&person.names),
                updated_at: ctx.now,
            },
            aliases,
            positions,
        })
    }

    fn insert(
        conn: &mut DbConnection,
        checked: &CheckedPerson,
        _ctx: Ctx,
    ) -> Result<i64, ApiError> {
        let id = Self::Row::insert(conn, &checked.changes)?;
        db::replace_details(conn, id, &checked.aliases, &checked.positions)?;
        Ok(id)
    }

    fn update(
        conn: &mut DbConnection,
        id: i64,
        expected: i32,
        checked: &CheckedPerson,
        _ctx: Ctx,
    ) -> Result<bool, ApiError> {
        if !Self::Row::update(conn, id, expected, &checked.changes)? {
            return Ok(false);
        }
        db::replace_details(conn, id, &checked.aliases, &checked.positions)?;
        Ok(true)
    }
}

write_routes! {
    editable: People,
    input: NewPerson,
    output: Person,
    tag: "people",
    collection: "/people",
    item: "/people/{id_or_slug}",
    example: "to-lam",
    create: (create_person, "Create a person, with aliases and positions."),
    replace: (replace_person, "Replace a person, aliases and positions included."),
    update: (update_person, "Change a person (JSON merge patch; `aliases` and `positions` are replaced whole)."),
    delete: (delete_person, "Delete a person (soft): they leave every list and reference."),
}
