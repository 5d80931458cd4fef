//! Parcels' metric polygons recently asked for, so that analysing a route again does not
//! project its parcels again.

use crate::crs::CrsError;

/// Metric polygons by feature position, at most [`PolygonCache::CAPACITY`] of them
/// (emptied when full). Positions are only valid for one version of a data set: an edit
/// that moves or changes features of the layer must start a new cache.
#[derive(Debug, Default)]
pub struct PolygonCache {
    polygons: std::sync::Mutex<std::collections::HashMap<usize, std::sync::Arc<geo::MultiPolygon>>>,
}

impl PolygonCache {
    /// How many polygons are kept (a parcel's take about 200 bytes).
    pub const CAPACITY: usize = 32_768;

    /// The polygon at `position`, made by `make` if it is not kept.
    pub fn get_or_insert(
        &self,
        position: usize,
        make: impl FnOnce() -> Result<geo::MultiPolygon, CrsError>,
    ) -> Result<std::sync::Arc<geo::MultiPolygon>, CrsError> {
        let lock = || {
            self.polygons
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some(p) = lock().get(&position) {
            return Ok(std::sync::Arc::clone(p));
        }
        let p = std::sync::Arc::new(make()?);
        let mut polygons = lock();
        if polygons.len() >= Self::CAPACITY {
            polygons.clear();
        }
        polygons.insert(position, std::sync::Arc::clone(&p));
        Ok(p)
    }
}
