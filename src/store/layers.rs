//! The typed layers of a data set: per [`LayerKind`], one [`TypedLayer`] that keeps the
//! layer's features, their typed records and, where analyses need them, their polygons in
//! the metric CRS together, at the same positions.
//!
//! Which layers a data set has is written once, in the `dataset!` table in
//! `store/mod.rs`; what differs between layers is said by each record type's [`Record`]
//! impl below. Code that works on "the layer of kind k" goes through [`AnyLayer`]
//! ([`Dataset::typed`](super::Dataset::typed)), so it needs no match over the kinds.

use std::fmt::Debug;
use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

use geo::{Geometry, MultiPolygon};

use super::edit::EditError;
use super::{Feature, Layer, LoadError};
use crate::crs::CrsError;
use crate::crs::MetricGrid;
use crate::model::schema::{Invalid, Rule};
use crate::model::{
    Canal, CatchmentArea, FloodZone, Household, LayerKind, Parcel, Properties, PropertyError,
    Village,
};

/// What a layer's polygons are in the metric CRS for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Nothing: the layer is not polygonal, or analyses never measure it.
    None,
    /// A feature must project (it is measured in analyses) but is projected when asked,
    /// not kept: keeping every parcel's metric copy cost 250 MB per million parcels
    /// ([`Dataset::parcel_metric`](super::Dataset::parcel_metric)).
    Checked,
    /// Every feature's polygons are kept projected ([`TypedLayer::metric`]).
    Kept,
}

/// A layer's typed record: what the layer is, how its properties parse, and what its
/// geometry is needed as.
pub trait Record: Clone + Debug + Send + Sync + 'static {
    /// The layer the record belongs to.
    const KIND: LayerKind;
    /// Whether and how its polygons are kept in the metric CRS.
    const METRIC: Metric;
    /// Parses a feature's properties (already checked against the layer's schema).
    fn parse(id: &str, p: &Properties) -> Result<Self, PropertyError>;
}

impl Record for Village {
    const KIND: LayerKind = LayerKind::Villages;
    const METRIC: Metric = Metric::Kept;
    fn parse(id: &str, p: &Properties) -> Result<Self, PropertyError> {
        Village::from_properties(id, p)
    }
}

impl Record for Canal {
    const KIND: LayerKind = LayerKind::Canals;
    const METRIC: Metric = Metric::None;
    fn parse(id: &str, p: &Properties) -> Result<Self, PropertyError> {
        Canal::from_properties(id, p)
    }
}

impl Record for Parcel {
    const KIND: LayerKind = LayerKind::Parcels;
    const METRIC: Metric = Metric::Checked;
    fn parse(id: &str, p: &Properties) -> Result<Self, PropertyError> {
        Parcel::from_properties(id, p)
    }
}

impl Record for FloodZone {
    const KIND: LayerKind = LayerKind::FloodZones;
    const METRIC: Metric = Metric::Kept;
    fn parse(id: &str, p: &Properties) -> Result<Self, PropertyError> {
        FloodZone::from_properties(id, p)
    }
}

impl Record for CatchmentArea {
    const KIND: LayerKind = LayerKind::Catchments;
    const METRIC: Metric = Metric::Checked;
    fn parse(_id: &str, p: &Properties) -> Result<Self, PropertyError> {
        CatchmentArea::from_properties(p)
    }
}

impl Record for Household {
    const KIND: LayerKind = LayerKind::Households;
    const METRIC: Metric = Metric::None;
    fn parse(id: &str, p: &Properties) -> Result<Self, PropertyError> {
        Household::from_properties(id, p)
    }
}

/// One layer of a data set: features (with their R-tree and id lookup), typed records and
/// metric polygons, all at the same positions. Each part sits behind an `Arc`, so that a
/// cloned data set shares it until an edit changes it.
///
/// Reads as its [`Layer`] through `Deref` (`data.parcels.get("p1")`).
#[derive(Debug, Clone)]
pub struct TypedLayer<R> {
    /// The features.
    pub layer: Arc<Layer>,
    /// The typed record of each feature.
    pub records: Arc<Vec<R>>,
    /// Each feature's polygons in the metric CRS when the record type keeps them
    /// ([`Metric::Kept`]); empty otherwise.
    pub metric: Arc<Vec<MultiPolygon>>,
}

impl<R> Deref for TypedLayer<R> {
    type Target = Layer;
    fn deref(&self) -> &Layer {
        &self.layer
    }
}

impl<R: Record> TypedLayer<R> {
    /// The layer over checked `features` and their `records` (as many); their polygons
    /// projected through `grid` when the record type keeps them. `path` names the layer
    /// in errors.
    pub(super) fn build(
        path: &Path,
        features: Vec<Feature>,
        records: Vec<R>,
        grid: &MetricGrid,
    ) -> Result<Self, LoadError> {
        let metric = if R::METRIC == Metric::Kept {
            super::par_map(&features, |f| {
                metric_multipolygon(grid, &f.geometry).map_err(|source| LoadError::Crs {
                    path: path.to_owned(),
                    id: f.id.clone(),
                    source: Box::new(source),
                })
            })?
        } else {
            Vec::new()
        };
        Ok(TypedLayer {
            layer: Arc::new(Layer::new(features)),
            records: Arc::new(records),
            metric: Arc::new(metric),
        })
    }

    /// The record of the feature with id `id`.
    pub fn record(&self, id: &str) -> Option<&R> {
        self.layer.position(id).map(|i| &self.records[i])
    }

    /// The record and, for a layer that keeps them, the metric polygons (through `grid`,
    /// as loading projects them) of a checked feature.
    fn parse_feature(
        f: &Feature,
        grid: &MetricGrid,
    ) -> Result<(R, Option<MultiPolygon>), EditError> {
        let record = R::parse(&f.id, &f.properties)
            .map_err(|e| EditError::Invalid(Invalid::property(&e.name, Rule::Type, e.problem)))?;
        let metric = match R::METRIC {
            Metric::None => None,
            Metric::Checked => {
                edit_metric(grid, f)?;
                None
            }
            Metric::Kept => Some(edit_metric(grid, f)?),
        };
        Ok((record, metric))
    }
}

/// The face of a typed layer that does not depend on its record type: what the edits and
/// the rules between layers work through.
pub trait AnyLayer: Debug + Send + Sync {
    /// The layer's kind.
    fn kind(&self) -> LayerKind;
    /// The features.
    fn layer(&self) -> &Layer;
    /// Checks that a feature's properties parse into the layer's record and that its
    /// geometry projects (through the data set's `grid`) where the layer needs it
    /// projected.
    fn check(&self, f: &Feature, grid: &MetricGrid) -> Result<(), EditError>;
    /// Puts a checked feature at `pos` (replacing the one there) or, with `None`, at the
    /// end, with its record and metric polygons. On error nothing has changed.
    fn put(&mut self, pos: Option<usize>, f: Feature, grid: &MetricGrid) -> Result<(), EditError>;
    /// Removes the feature at `pos`, the last one taking its place.
    fn remove(&mut self, pos: usize) -> Feature;
}

impl<R: Record> AnyLayer for TypedLayer<R> {
    fn kind(&self) -> LayerKind {
        R::KIND
    }

    fn layer(&self) -> &Layer {
        &self.layer
    }

    fn check(&self, f: &Feature, grid: &MetricGrid) -> Result<(), EditError> {
        Self::parse_feature(f, grid).map(|_| ())
    }

    fn put(&mut self, pos: Option<usize>, f: Feature, grid: &MetricGrid) -> Result<(), EditError> {
        let (record, metric) = Self::parse_feature(&f, grid)?;
        let layer = Arc::make_mut(&mut self.layer);
        let records = Arc::make_mut(&mut self.records);
        match pos {
            Some(p) => {
                layer.set(p, f);
                records[p] = record;
            }
            None => {
                layer.push(f);
                records.push(record);
            }
        }
        if let Some(m) = metric {
            let metrics = Arc::make_mut(&mut self.metric);
            match pos {
                Some(p) => metrics[p] = m,
                None => metrics.push(m),
            }
        }
        Ok(())
    }

    fn remove(&mut self, pos: usize) -> Feature {
        Arc::make_mut(&mut self.records).swap_remove(pos);
        if R::METRIC == Metric::Kept {
            Arc::make_mut(&mut self.metric).swap_remove(pos);
        }
        Arc::make_mut(&mut self.layer).swap_remove(pos)
    }
}

/// Where a data set's layers come from: each layer's checked features with their records.
pub(super) trait Source {
    /// The features and records of `R`'s layer; `path` is its file, named in errors.
    fn take<R: Record>(&mut self, path: &Path) -> Result<(Vec<Feature>, Vec<R>), LoadError>;
}

/// The layer files of a directory.
pub(super) struct Files;

impl Source for Files {
    fn take<R: Record>(&mut self, path: &Path) -> Result<(Vec<Feature>, Vec<R>), LoadError> {
        // The catchments layer came after the others: a data directory from before it has
        // none, which is an empty layer, not a damaged directory.
        if R::KIND == LayerKind::Catchments && !path.exists() {
            return Ok((Vec::new(), Vec::new()));
        }
        super::parse::read_layer_with(path, R::KIND, R::parse)
    }
}

/// Features already read and checked, per layer; a layer not given is empty.
pub(super) struct Given(pub(super) Vec<(LayerKind, Vec<Feature>)>);

impl Source for Given {
    fn take<R: Record>(&mut self, path: &Path) -> Result<(Vec<Feature>, Vec<R>), LoadError> {
        let features = match self.0.iter().position(|(k, _)| *k == R::KIND) {
            Some(i) => self.0.swap_remove(i).1,
            None => Vec::new(),
        };
        let records = features
            .iter()
            .map(|f| {
                R::parse(&f.id, &f.properties.to_map()).map_err(|e| LoadError::Feature {
                    path: path.to_owned(),
                    id: f.id.clone(),
                    problem: e.to_string(),
                })
            })
            .collect::<Result<_, _>>()?;
        Ok((features, records))
    }
}

/// A polygonal geometry as a metric multipolygon through `grid` (empty for any other
/// geometry).
pub(super) fn metric_multipolygon(
    grid: &MetricGrid,
    g: &Geometry,
) -> Result<MultiPolygon, CrsError> {
    match g {
        Geometry::Polygon(p) => Ok(MultiPolygon(vec![grid.polygon_to_metric(p)?])),
        Geometry::MultiPolygon(mp) => {
            let mut polygons = Vec::with_capacity(mp.0.len());
            for p in &mp.0 {
                polygons.push(grid.polygon_to_metric(p)?);
            }
            Ok(MultiPolygon(polygons))
        }
        _ => Ok(MultiPolygon(vec![])),
    }
}

/// An edited feature's polygons in the metric CRS (empty for any other geometry), through
/// the same grid as the loaded ones, so that an edited polygon measures as it will after
/// a restart.
pub(super) fn edit_metric(grid: &MetricGrid, f: &Feature) -> Result<MultiPolygon, EditError> {
    metric_multipolygon(grid, &f.geometry).map_err(|e| {
        EditError::Invalid(Invalid::new(
            "geometry",
            Rule::Geometry,
            format!("cannot project the geometry: {e}"),
        ))
    })
}
