//! The campaign: who is answerable for what, and how far it has got.
//!
//! - [`register`]: small tables of non-spatial records (people, tasks, grievances,
//!   postings) kept with the history of every change;
//! - [`people`]: the people tasks name;
//! - [`tasks`]: tasks, their progress measured on the features they concern, and their
//!   flags at a date;
//! - [`grievances`]: the grievance log, its rules and the public's counts;
//! - [`postings`]: the postings of a canal's posting list kept on record.

pub mod grievances;
pub mod people;
pub mod postings;
pub mod register;
pub mod tasks;
