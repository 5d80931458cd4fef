//! Hydraulics: will a canal carry the water?
//!
//! The engineering core of drainplan's drainage design, on plain inputs of its own (canal
//! sections with their geometry in metres, catchments with their land uses) so that the
//! data set, the API, the command line and the map wire it in with a thin layer:
//!
//! - [`tables`]: the design tables as data with their sources (Manning's n, velocity
//!   limits, runoff coefficients, land use → surface, rain stations, return periods,
//!   defaults, unit prices), checked on loading;
//! - [`section`]: cross-sections and Manning's equation, normal depth, smallest sizes;
//! - [`network`]: sections, links, outfalls and catchments, checked (no guessing), in
//!   flow order;
//! - [`runoff`]: the area-weighted runoff coefficient ψ of a catchment;
//! - [`mod@design`]: design flow by the rational method (TCVN 7957's intensity formula) against
//!   capacity, velocity limits and a verdict for every section;
//! - [`storm`]: the design storm as an alternating-block hyetograph;
//! - [`swmm`]: an EPA SWMM 5 input file from a network, and a network from one;
//! - [`canal`]: the adapter from a canal's GeoJSON properties and metric line;
//! - [`routes`]: candidate routes compared (impact, flow against capacity, cost);
//! - [`profile`]: a canal's longitudinal profile as a small SVG.
//!
//! Every constant comes from data/hydraulics/ with its source and a `verified` flag; the
//! results say when an unverified constant (the rain constants, so far all of them) was
//! used.

pub mod canal;
pub mod design;
pub mod network;
pub mod profile;
pub mod routes;
pub mod runoff;
pub mod section;
pub mod storm;
pub mod swmm;
pub mod tables;

pub use canal::{
    CanalSection, PropertyProblem, catchment_from_parcels, section_from_canal, section_properties,
};
pub use design::{DesignError, DesignOptions, Resize, SectionResult, Verdict, design};
pub use network::{
    Catchment, Downstream, LandUseArea, Levels, Network, NetworkError, NetworkProblem, Section,
};
pub use profile::{GroundPoint, Profile, ProfileError, longitudinal_profile};
pub use routes::{Cost, ProposedSection, RouteCandidate, RouteError, RouteRow, compare_routes};
pub use section::{CrossSection, SectionRule, Shape};
pub use storm::DesignStorm;
pub use swmm::{Routing, SwmmOptions, SwmmReadError, SwmmWriteError, read_inp, write_inp};
pub use tables::{TableError, Tables};
