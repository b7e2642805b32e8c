//! The closed lists the content model stores as text: article status, organization kind, date
//! precision, alias kind. Each is declared once here; the wire schema (serde and utoipa), the
//! parsers of filters and bodies, the error messages and the database mapping (`db::stored`) all
//! come from that one declaration, and a test compares the spec's patterns with it.

/// Declares a stored enum: each variant with its text, in one place.
macro_rules! stored_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        // serde and utoipa name the variants in snake_case; a test checks that this agrees
        // with each variant's text (utoipa does not read a `rename` written by a macro).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// The stored and wire texts, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The variant with this text, or the message a caller gets for anything else.
            pub fn parse(value: &str) -> Result<Self, String> {
                match value {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!("must be one of: {}", Self::NAMES.join(", "))),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

stored_enum! {
    /// Where an article is in its life.
    pub enum ArticleStatus {
        Draft = "draft",
        Published = "published",
        Archived = "archived",
    }
}

impl ArticleStatus {
    /// Whether an article in this status is out in public once its publish time has passed.
    pub fn is_out(self) -> bool {
        matches!(self, ArticleStatus::Published | ArticleStatus::Archived)
    }
}

stored_enum! {
    /// What a content change did to an item (the change log).
    pub enum ChangeAction {
        Created = "created",
        Updated = "updated",
        Deleted = "deleted",
        /// A media item's files were removed from the store (a legal takedown).
        Purged = "purged",
    }
}

stored_enum! {
    /// What kind of body an organization is.
    pub enum OrganizationKind {
        Government = "government",
        Ministry = "ministry",
        Intergovernmental = "intergovernmental",
        Agency = "agency",
        NewsAgency = "news_agency",
        TaskForce = "task_force",
        Centre = "centre",
        Forum = "forum",
        Company = "company",
        Other = "other",
    }
}

stored_enum! {
    /// How precise an event's dates are: `month` means only the month is known, and the dates span it.
    pub enum DatePrecision {
        Day = "day",
        Month = "month",
        Year = "year",
    }
}

stored_enum! {
    /// How an alias relates to the person's display name.
    pub enum AliasKind {
        /// The name in the person's own language or script.
        Native = "native",
        /// A rendering in another language, such as a Sino-Vietnamese reading.
        Transliteration = "transliteration",
        /// A spelling found in published text that is wrong.
        Misspelling = "misspelling",
        /// Any other known form (a nickname, a former name).
        Other = "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: serde::Serialize + Copy + std::fmt::Display>(
        names: &[&str],
        parse: fn(&str) -> Result<T, String>,
    ) {
        for name in names {
            let value = parse(name).expect("parses");
            assert_eq!(value.to_string(), *name);
            assert_eq!(
                serde_json::to_value(value).ok(),
                Some(serde_json::json!(name))
            );
        }
    }

    #[test]
    fn texts_round_trip_through_serde_and_parse() {
        round_trip(ArticleStatus::NAMES, ArticleStatus::parse);
        round_trip(OrganizationKind::NAMES, OrganizationKind::parse);
        round_trip(DatePrecision::NAMES, DatePrecision::parse);
        round_trip(AliasKind::NAMES, AliasKind::parse);
        round_trip(ChangeAction::NAMES, ChangeAction::parse);
        assert!(ArticleStatus::parse("Published").is_err());
        assert_eq!(
            DatePrecision::parse("week"),
            Err("must be one of: day, month, year".to_owned())
        );
    }
}
