//! How resources refer to each other on the wire: a small reference `{id, slug, name}` by
//! default, or the full item when the caller asks with `include`.

use serde::Serialize;
use std::borrow::Cow;
use utoipa::openapi::schema::{AnyOfBuilder, Schema};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::events::Event;
use super::organizations::Organization;
use super::people::Person;
use crate::db::events::EventRefRow;
use crate::db::organizations::OrganizationRefRow;
use crate::db::people::PersonRefRow;

/// A reference to an organization.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationRef {
    #[schema(example = 3)]
    pub id: i64,
    #[schema(example = "ttxvn")]
    pub slug: String,
    #[schema(example = "Thông tấn xã Việt Nam")]
    pub name: String,
    #[schema(example = "TTXVN")]
    pub short_name: Option<String>,
}

impl From<OrganizationRefRow> for OrganizationRef {
    fn from(row: OrganizationRefRow) -> Self {
        OrganizationRef {
            id: row.id,
            slug: row.slug,
            name: row.name,
            short_name: row.short_name,
        }
    }
}

/// A reference to a person.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonRef {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "to-lam")]
    pub slug: String,
    #[schema(example = "Tô Lâm")]
    pub name: String,
}

impl From<PersonRefRow> for PersonRef {
    fn from(row: PersonRefRow) -> Self {
        PersonRef {
            id: row.id,
            slug: row.slug,
            name: row.name,
        }
    }
}

/// A reference to an event.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventRef {
    #[schema(example = 2)]
    pub id: i64,
    #[schema(example = "amcc7")]
    pub slug: String,
    #[schema(example = "Hội nghị Bộ trưởng ASEAN về An ninh mạng lần thứ 7")]
    pub name: String,
    #[schema(example = "AMCC7")]
    pub short_name: Option<String>,
}

impl From<EventRefRow> for EventRef {
    fn from(row: EventRefRow) -> Self {
        EventRef {
            id: row.id,
            slug: row.slug,
            name: row.name,
            short_name: row.short_name,
        }
    }
}

/// A tag on an article.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TagRef {
    #[schema(example = "an-ninh-mang")]
    pub slug: String,
    #[schema(example = "An ninh mạng")]
    pub name: String,
}

/// A related item: the reference, or the full item when `include` names the relation. In the spec
/// this is `anyOf` (a reference's fields are a subset of the full item's).
macro_rules! related {
    ($name:ident, $reference:ident, $full:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Serialize)]
        #[serde(untagged)]
        pub enum $name {
            Ref($reference),
            Full(Box<$full>),
        }

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                AnyOfBuilder::new()
                    .item(Ref::from_schema_name(stringify!($reference)))
                    .item(Ref::from_schema_name(stringify!($full)))
                    .description(Some($doc))
                    .into()
            }
        }

        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

related!(
    RelatedOrganization,
    OrganizationRef,
    Organization,
    "An organization: a reference, or the full organization when included."
);
related!(
    RelatedPerson,
    PersonRef,
    Person,
    "A person: a reference, or the full person when included."
);
related!(
    RelatedEvent,
    EventRef,
    Event,
    "An event: a reference, or the full event when included."
);
