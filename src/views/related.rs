//! "A reference, or the full item when `include` names the relation", written once: `related`
//! loads either form for a set of ids, and `related_enum!` declares the wire enum of a resource
//! (in the spec an `anyOf`, since a reference's fields are a subset of the full item's).

use std::collections::HashMap;

use super::{Ctx, IncludeTree};
use crate::db::DbConnection;
use crate::error::ApiError;

/// A resource that other items embed.
pub trait Embedded: Sized {
    /// Its descriptor, which names the key of one item in `Surrogate-Key` (`person-7`).
    const RESOURCE: crate::domain::resources::Resource;
    /// The small form: `{id, slug, name, ...}`.
    type Ref;
    /// What other items carry: the reference or the full item.
    type Related: From<Self::Ref> + From<Self>;

    fn id(&self) -> i64;
    /// References to live items, by id, named in `ctx`'s language.
    fn refs(
        conn: &mut DbConnection,
        ids: &[i64],
        ctx: Ctx,
    ) -> Result<HashMap<i64, Self::Ref>, ApiError>;
    /// Full live items, themselves embedding what `include` names.
    fn full(
        conn: &mut DbConnection,
        ids: &[i64],
        include: &IncludeTree,
        ctx: Ctx,
    ) -> Result<Vec<Self>, ApiError>;
}

/// The items `ids` name, as references, or whole when `include` (the caller's sub-tree for this
/// relation) is given. Deleted items are left out.
pub fn related<E: Embedded>(
    conn: &mut DbConnection,
    ids: &[i64],
    include: Option<&IncludeTree>,
    ctx: Ctx,
) -> Result<HashMap<i64, E::Related>, ApiError> {
    Ok(match include {
        Some(nested) => E::full(conn, ids, nested, ctx)?
            .into_iter()
            .map(|item| (item.id(), E::Related::from(item)))
            .collect(),
        None => E::refs(conn, ids, ctx)?
            .into_iter()
            .map(|(id, reference)| {
                super::keys::mark(&E::RESOURCE, id);
                (id, E::Related::from(reference))
            })
            .collect(),
    })
}

/// Groups `(owner, target)` links by owner, in link order, with each target's loaded item;
/// targets that were not loaded (deleted) are left out.
pub fn grouped<T: Clone>(
    links: impl IntoIterator<Item = (i64, i64)>,
    targets: &HashMap<i64, T>,
) -> HashMap<i64, Vec<T>> {
    let mut by_owner: HashMap<i64, Vec<T>> = HashMap::new();
    for (owner, target) in links {
        if let Some(item) = targets.get(&target) {
            by_owner.entry(owner).or_default().push(item.clone());
        }
    }
    by_owner
}

/// Declares `$name`, an item's reference or the full item, with its `anyOf` schema.
macro_rules! related_enum {
    ($name:ident, $reference:ident, $full:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, serde::Serialize)]
        #[serde(untagged)]
        pub enum $name {
            Ref($reference),
            Full(Box<$full>),
        }

        impl From<$reference> for $name {
            fn from(reference: $reference) -> Self {
                $name::Ref(reference)
            }
        }

        impl From<$full> for $name {
            fn from(full: $full) -> Self {
                $name::Full(Box::new(full))
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::AnyOfBuilder::new()
                    .item(utoipa::openapi::Ref::from_schema_name(stringify!(
                        $reference
                    )))
                    .item(utoipa::openapi::Ref::from_schema_name(stringify!($full)))
                    .description(Some($doc))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }
    };
}
pub(crate) use related_enum;

/// Implements `Embedded` for a wire type whose `db` module has `refs` and `by_ids` and whose view
/// module has `load(conn, rows, include, ctx)`.
macro_rules! embedded {
    ($full:ident, $reference:ident, $related:ident, $db:ident, $resource:path) => {
        impl $crate::views::related::Embedded for $full {
            const RESOURCE: $crate::domain::resources::Resource = $resource;
            type Ref = $reference;
            type Related = $related;

            fn id(&self) -> i64 {
                self.id
            }

            fn refs(
                conn: &mut $crate::db::DbConnection,
                ids: &[i64],
                ctx: $crate::views::Ctx,
            ) -> Result<std::collections::HashMap<i64, $reference>, $crate::error::ApiError> {
                Ok($db::refs(conn, ids)?
                    .into_iter()
                    .map(|(id, row)| (id, $reference::of(row, ctx)))
                    .collect())
            }

            fn full(
                conn: &mut $crate::db::DbConnection,
                ids: &[i64],
                include: &$crate::views::IncludeTree,
                ctx: $crate::views::Ctx,
            ) -> Result<Vec<$full>, $crate::error::ApiError> {
                let rows = $db::by_ids(conn, ids)?;
                load(conn, rows, include, ctx)
            }
        }
    };
}
pub(crate) use embedded;
