//! The integration tests: one binary, every database case on SQLite and PostgreSQL.

mod helpers;
mod http;
mod limits;
pub mod media;
mod mentions;

mod articles;
mod authors;
mod blocks;
mod caching;
mod changes;
mod cli;
mod editing;
mod errors;
mod events;
mod export;
mod feed;
mod feeds;
mod openapi;
mod organizations;
mod people;
mod previews;
mod properties;
mod publishing;
mod races;
mod registry;
mod related;
mod search;
mod sections;
mod service;
mod slots;
mod tags;
mod text;
mod visibility;
mod visits;
pub mod webhooks;
mod writes;
