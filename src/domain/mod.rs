//! Pure types and logic: no I/O, unit-tested inline.

pub mod body;
pub mod slug;
pub mod text;
pub mod time;
pub mod token;
