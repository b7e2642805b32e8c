//! Pure types and logic: no I/O, unit-tested inline.

pub mod articles;
pub mod authors;
pub mod body;
pub mod changes;
pub mod check;
pub mod derive;
pub mod events;
pub mod key;
pub mod kinds;
pub mod media;
pub mod mentions;
pub mod organizations;
pub mod people;
pub mod resources;
pub mod search;
pub mod sections;
pub mod slug;
pub mod tags;
pub mod text;
pub mod time;
pub mod token;
