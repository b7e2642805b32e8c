//! How the enums of `domain::kinds` are stored: as their text. Reading a text that names no
//! variant is an error (the request fails and the cause is logged), never a silent default.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::sql_types::Text;

use crate::domain::kinds::{
    AliasKind, ArticleStatus, ChangeAction, DatePrecision, OrganizationKind,
};

macro_rules! stored_as_text {
    ($($kind:ty),+ $(,)?) => {$(
        impl<DB: Backend> FromSql<Text, DB> for $kind
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let text = String::from_sql(bytes)?;
                <$kind>::parse(&text).map_err(|e| {
                    format!("stored {} `{text}` {e}", stringify!($kind)).into()
                })
            }
        }

        impl<DB: Backend> Queryable<Text, DB> for $kind
        where
            Self: FromSql<Text, DB>,
        {
            type Row = Self;

            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl AsExpression<Text> for $kind {
            type Expression = <&'static str as AsExpression<Text>>::Expression;

            fn as_expression(self) -> Self::Expression {
                <&'static str as AsExpression<Text>>::as_expression(self.as_str())
            }
        }

        impl AsExpression<Text> for &$kind {
            type Expression = <&'static str as AsExpression<Text>>::Expression;

            fn as_expression(self) -> Self::Expression {
                <&'static str as AsExpression<Text>>::as_expression(self.as_str())
            }
        }
    )+};
}

stored_as_text!(
    ArticleStatus,
    OrganizationKind,
    DatePrecision,
    AliasKind,
    ChangeAction
);
