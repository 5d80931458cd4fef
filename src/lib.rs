//! drainplan: plan and track a commune's fight against flooding in its residential areas.
//!
//! The library holds the domain (layers, R-tree indexes, PROJ projections, analyses) and
//! the HTTP API as a [`axum::Router`] built by [`api::app`], so that tests need no socket.
//! The `drainplan` binary is a thin command line over it.

#![recursion_limit = "512"]

pub mod analysis;
pub mod api;
pub mod auth;
pub mod campaign;
pub mod cli;
pub mod crs;
pub mod export;
pub mod generate;
pub mod hydraulics;
pub mod index;
pub mod ingest;
pub mod model;
pub mod store;
pub mod tiles;
