//! Pieces of SQL diesel's DSL cannot write, made so that the statement around them is still
//! prepared once per connection (decision 0023). `diesel::dsl::sql` and `eq_any` on SQLite mark
//! their statement as not cacheable (their text may change from one run to the next), so a read
//! that used them was parsed anew every time.

use std::marker::PhantomData;

use diesel::backend::Backend;
use diesel::expression::{is_aggregate, AppearsOnTable, Expression, SelectableExpression};
use diesel::expression::{TypedExpressionType, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Bool, Text};
use diesel::sqlite::Sqlite;
use diesel::QueryResult;

/// SQL whose text is fixed when the program is built: the same statement every run.
#[derive(Debug, Clone, Copy)]
pub struct Constant<ST> {
    sql: &'static str,
    of: PhantomData<ST>,
}

/// A value of SQL type `ST` written out as `sql`.
pub const fn constant<ST>(sql: &'static str) -> Constant<ST> {
    Constant {
        sql,
        of: PhantomData,
    }
}

/// A condition written out as `sql`.
pub const fn condition(sql: &'static str) -> Constant<Bool> {
    constant(sql)
}

impl<ST: TypedExpressionType> Expression for Constant<ST> {
    type SqlType = ST;
}

impl<DB: Backend, ST> QueryFragment<DB> for Constant<ST> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(self.sql);
        Ok(())
    }
}

impl<ST> QueryId for Constant<ST> {
    type QueryId = ();
    // Cached by its text, which is all there is of it.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<QS, ST> SelectableExpression<QS> for Constant<ST> where Self: Expression {}

impl<QS, ST> AppearsOnTable<QS> for Constant<ST> where Self: Expression {}

impl<ST, GB> ValidGrouping<GB> for Constant<ST> {
    type IsAggregate = is_aggregate::Never;
}

/// `<column> IN (the ids)` on SQLite, the ids bound as one JSON array: one statement whatever
/// their number (`IN (?, ?, ...)` is a statement per length, never cached). PostgreSQL's
/// `= ANY($1)` (`eq_any`) is one statement already.
#[derive(Debug, Clone)]
pub struct IdsIn {
    column: &'static str,
    ids: String,
}

/// `column` (written out, quoted) is one of `ids`.
pub fn ids_in(column: &'static str, ids: &[i64]) -> IdsIn {
    let mut list = String::with_capacity(ids.len() * 8 + 2);
    list.push('[');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            list.push(',');
        }
        list.push_str(&id.to_string());
    }
    list.push(']');
    IdsIn { column, ids: list }
}

impl Expression for IdsIn {
    type SqlType = Bool;
}

impl QueryFragment<Sqlite> for IdsIn {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql(self.column);
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, _>(&self.ids)?;
        out.push_sql("))");
        Ok(())
    }
}

impl QueryId for IdsIn {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<QS> SelectableExpression<QS> for IdsIn {}

impl<QS> AppearsOnTable<QS> for IdsIn {}

impl<GB> ValidGrouping<GB> for IdsIn {
    type IsAggregate = is_aggregate::Never;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::schema::{articles, renditions};
    use diesel::prelude::*;

    fn cached<Q: QueryFragment<Sqlite>>(query: &Q) -> bool {
        query.is_safe_to_cache_prepared(&Sqlite).unwrap_or(false)
    }

    #[test]
    fn statements_with_these_fragments_are_prepared_once_where_diesels_own_are_not() {
        let constant = articles::table
            .filter(condition("\"articles\".\"status\" = 'published'"))
            .select(articles::id);
        assert!(cached(&constant));
        let listed = renditions::table
            .filter(ids_in("\"renditions\".\"item_id\"", &[3, 1, 2]))
            .select(renditions::item_id);
        assert!(cached(&listed));
        assert_eq!(ids_in("x", &[3, 1, 2]).ids, "[3,1,2]");
        assert_eq!(ids_in("x", &[]).ids, "[]");
        // What they replace.
        let literal = articles::table
            .filter(diesel::dsl::sql::<Bool>(
                "\"articles\".\"status\" = 'published'",
            ))
            .select(articles::id);
        assert!(!cached(&literal));
        let many = renditions::table
            .filter(renditions::item_id.eq_any(vec![3_i64, 1, 2]))
            .select(renditions::item_id);
        assert!(!cached(&many));
    }
}
