//! The questions drainplan answers, one file each.
//!
//! - [`route`]: a planner's route and corridor width, checked at the door;
//! - [`clip`]: exact convex clipping, the fast path of route impact;
//! - [`route_impact`]: the parcels, fences, flood zones and households a route touches;
//! - [`canal_length`]: metres of canal per status and village;
//! - [`water`]: the piped-water campaign per village and for the commune;
//! - [`contributions`]: land, labour and money given by households, and who has not agreed;
//! - [`posting`]: the public posting list of the land a canal takes, per parcel and household;
//! - [`donations`]: voluntary land donations and whether each consent record is complete;
//! - [`progress`]: month-by-month progress built from the change history;
//! - [`review`]: the monthly review pack's figures per village, against the month before
//!   and a year earlier;
//! - [`hydraulics`]: the canals and catchments as a drainage network, each section checked.

pub mod canal_length;
pub mod clip;
pub mod contributions;
pub mod donations;
pub mod hydraulics;
pub mod posting;
pub mod progress;
pub mod review;
pub mod route;
pub mod route_impact;
pub mod water;
