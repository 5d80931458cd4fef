//! The campaign: who is answerable for what, and how far it has got.
//!
//! - [`register`]: small tables of non-spatial records (people, tasks, grievances,
//!   postings) kept with the history of every change;
//! - [`grievances`]: the grievance log, its rules and the public's counts;
//! - [`postings`]: the postings of a canal's posting list kept on record.

pub mod grievances;
pub mod postings;
pub mod register;
