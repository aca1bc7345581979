//! steerql: the GraphQL system of record for the Central Steering Committee
//! on anti-corruption and its provincial steering committees.
//!
//! Where things live:
//! - [`config`]: every option (flag and environment variable);
//! - [`http`]: the router, GraphQL over HTTP, health checks;
//! - [`graphql`]: the schema, its types, loaders and the permission gate;
//! - [`domain`]: the rules (roles, reach, permission table, validation);
//! - [`db`]: persistence (queries with reach in SQL, writes with audit);
//! - [`auth`]: bearer tokens;
//! - [`app`] and [`cli`]: assembling and running it.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
