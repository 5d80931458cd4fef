//! Import moved to [`crate::ingest`] (any format GDAL reads, legacy Vietnamese text
//! encodings, lossless round trips); this path stays for callers of the old one.

pub use crate::ingest::{
    ImportError, ImportOptions, ImportReport, VIETNAM_LAT, VIETNAM_LON, crs_from_text, import,
    parse_pairs, source::MAX_SOURCE_BYTES,
};
