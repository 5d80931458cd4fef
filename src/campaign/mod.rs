//! The campaign: who is answerable for what, and how far it has got.
//!
//! - [`register`]: small tables of non-spatial records (people, tasks, grievances,
//!   postings) kept with the history of every change.

pub mod register;
