//! steerql: the GraphQL system of record for the Central Steering Committee
//! on anti-corruption and its provincial steering committees.
//!
//! Where things live:
//! - [`config`]: every option (flag and environment variable);
//! - [`http`]: the router, GraphQL over HTTP, health checks;
//! - [`graphql`]: the schema, its types, loaders and the permission gate;
//! - [`domain`]: the rules (roles, reach, permission table, validation, the
//!   organisation's rules as plain functions, the audit chain's format);
//! - [`service`]: one per aggregate: load and lock, let the domain decide,
//!   write the change and its audit entries in one transaction;
//! - [`db`]: persistence per aggregate (queries with reach in SQL, row locks,
//!   the database's own constraints, the audit chains);
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
pub mod service;
