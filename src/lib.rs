//! newsroom: a headless content API for a Vietnamese news portal.

pub mod api;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod edge;
pub mod error;
pub mod media;
pub mod metrics;
pub mod openapi;
pub mod startup;
pub mod telemetry;
pub mod views;
pub mod visits;
pub mod webhooks;
