//! The one place that owns rstar: a bulk-loaded R-tree of feature bounding boxes per layer.
//!
//! Entries carry the feature's position in its layer; the exact geometry test is the
//! caller's, after the tree has narrowed the candidates.

use geo::{BoundingRect, Geometry, Rect};
use rstar::{AABB, RTree, primitives::GeomWithData, primitives::Rectangle};

type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// An R-tree over the bounding boxes of a layer's features.
#[derive(Debug, Default, Clone)]
pub struct SpatialIndex {
    tree: RTree<Entry>,
}

impl SpatialIndex {
    /// Bulk-loads the tree from each feature's bounding box; position `i` in `boxes` is the
    /// feature's position in its layer.
    pub fn bulk_load(boxes: impl IntoIterator<Item = Rect>) -> Self {
        let entries = boxes
            .into_iter()
            .enumerate()
            .map(|(i, r)| entry(r, i))
            .collect();
        SpatialIndex {
            tree: RTree::bulk_load(entries),
        }
    }

    /// Adds the box of the feature at `position`.
    pub fn insert(&mut self, rect: Rect, position: usize) {
        self.tree.insert(entry(rect, position));
    }

    /// Removes the box of the feature at `position`; false when it was not there.
    pub fn remove(&mut self, rect: Rect, position: usize) -> bool {
        self.tree.remove(&entry(rect, position)).is_some()
    }

    /// Positions of the features whose bounding box meets `rect`, in no particular order.
    pub fn intersecting(&self, rect: Rect) -> impl Iterator<Item = usize> + '_ {
        let env = AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
        self.tree
            .locate_in_envelope_intersecting(&env)
            .map(|e| e.data)
    }

    /// Number of entries.
    /// The positions of the entries whose box `keep` accepts. `keep` is asked about the
    /// tree's inner boxes too, and must accept every box that holds an accepted one (a test
    /// like "comes within d of a line" does), so that whole branches are skipped.
    pub fn matching<'a>(
        &'a self,
        keep: impl Fn(Rect) -> bool + 'a,
    ) -> impl Iterator<Item = usize> + 'a {
        self.tree
            .locate_with_selection_function(Matching(keep))
            .map(|e| e.data)
    }

    pub fn len(&self) -> usize {
        self.tree.size()
    }

    /// Whether the tree is empty.
    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }
}

struct Matching<F>(F);

impl<F: Fn(Rect) -> bool> rstar::SelectionFunction<Entry> for Matching<F> {
    fn should_unpack_parent(&self, envelope: &AABB<[f64; 2]>) -> bool {
        let (lo, hi) = (envelope.lower(), envelope.upper());
        (self.0)(Rect::new((lo[0], lo[1]), (hi[0], hi[1])))
    }

    fn should_unpack_leaf(&self, leaf: &Entry) -> bool {
        self.should_unpack_parent(&rstar::RTreeObject::envelope(leaf))
    }
}

fn entry(r: Rect, position: usize) -> Entry {
    GeomWithData::new(
        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
        position,
    )
}

/// The bounding box of a geometry; a point's box is the point itself.
pub fn bounding_box(g: &Geometry) -> Option<Rect> {
    g.bounding_rect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::coord;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn rect(x: f64, y: f64, w: f64, h: f64) -> Rect {
        Rect::new(coord! { x: x, y: y }, coord! { x: x + w, y: y + h })
    }

    fn meets(a: Rect, b: Rect) -> bool {
        a.min().x <= b.max().x
            && b.min().x <= a.max().x
            && a.min().y <= b.max().y
            && b.min().y <= a.max().y
    }

    #[test]
    fn agrees_with_a_linear_scan_on_random_boxes() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let boxes: Vec<Rect> = (0..5_000)
            .map(|_| {
                rect(
                    rng.random_range(0.0..1000.0),
                    rng.random_range(0.0..1000.0),
                    rng.random_range(0.0..20.0),
                    rng.random_range(0.0..20.0),
                )
            })
            .collect();
        let index = SpatialIndex::bulk_load(boxes.iter().copied());
        assert_eq!(index.len(), boxes.len());
        for _ in 0..200 {
            let q = rect(
                rng.random_range(-50.0..1000.0),
                rng.random_range(-50.0..1000.0),
                rng.random_range(0.0..100.0),
                rng.random_range(0.0..100.0),
            );
            let mut got: Vec<usize> = index.intersecting(q).collect();
            got.sort_unstable();
            let want: Vec<usize> = (0..boxes.len()).filter(|&i| meets(boxes[i], q)).collect();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn insert_and_remove_keep_agreeing_with_a_scan() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut boxes: Vec<Option<Rect>> = (0..500)
            .map(|_| {
                Some(rect(
                    rng.random_range(0.0..100.0),
                    rng.random_range(0.0..100.0),
                    3.0,
                    3.0,
                ))
            })
            .collect();
        let mut index = SpatialIndex::bulk_load(boxes.iter().flatten().copied());
        for i in (0..500).step_by(3) {
            assert!(index.remove(boxes[i].unwrap(), i));
            boxes[i] = None;
        }
        assert!(!index.remove(rect(0.0, 0.0, 1.0, 1.0), 0));
        for i in 500..600 {
            let r = rect(
                rng.random_range(0.0..100.0),
                rng.random_range(0.0..100.0),
                3.0,
                3.0,
            );
            index.insert(r, i);
            boxes.push(Some(r));
        }
        let q = rect(20.0, 20.0, 40.0, 40.0);
        let mut got: Vec<usize> = index.intersecting(q).collect();
        got.sort_unstable();
        let want: Vec<usize> = (0..boxes.len())
            .filter(|&i| boxes[i].is_some_and(|b| meets(b, q)))
            .collect();
        assert_eq!(got, want);
    }
}
