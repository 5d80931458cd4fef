//! The one place that owns rstar: a bulk-loaded R-tree of feature bounding boxes per layer.
//!
//! Entries carry the feature's position in its layer and its box in `f32`, rounded
//! outwards, so the tree may offer a few features whose exact box only comes within a
//! metre of the query; the queries here drop those with the exact box the caller gives
//! (`bbox_of`). An entry costs 48 bytes instead of 64 with `f64` boxes, and its bulk load
//! half the memory (for 1.5 million features, 30 MB less).

use geo::{BoundingRect, Geometry, Rect};
use rstar::{AABB, RTree, RTreeObject};

/// A feature's box, rounded outwards to `f32`, and its position.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry {
    lo: [f32; 2],
    hi: [f32; 2],
    position: u32,
}

impl RTreeObject for Entry {
    type Envelope = AABB<[f32; 2]>;

    fn envelope(&self) -> AABB<[f32; 2]> {
        AABB::from_corners(self.lo, self.hi)
    }
}

/// The largest `f32` not above `x` (a finite number; coordinates are checked).
fn down(x: f64) -> f32 {
    let f = x as f32;
    if f64::from(f) <= x {
        f
    } else if f > 0.0 {
        f32::from_bits(f.to_bits() - 1)
    } else if f < 0.0 {
        f32::from_bits(f.to_bits() + 1)
    } else {
        -f32::from_bits(1)
    }
}

/// The smallest `f32` not below `x`.
fn up(x: f64) -> f32 {
    -down(-x)
}

/// `r` widened to `f32` corners.
fn envelope(r: Rect) -> AABB<[f32; 2]> {
    AABB::from_corners(
        [down(r.min().x), down(r.min().y)],
        [up(r.max().x), up(r.max().y)],
    )
}

fn entry(r: Rect, position: usize) -> Entry {
    let env = envelope(r);
    Entry {
        lo: env.lower(),
        hi: env.upper(),
        position: u32::try_from(position).expect("fewer than 4 billion features in a layer"),
    }
}

fn meets(a: Rect, b: Rect) -> bool {
    a.min().x <= b.max().x
        && b.min().x <= a.max().x
        && a.min().y <= b.max().y
        && b.min().y <= a.max().y
}

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

    /// Positions of the features whose bounding box `bbox_of(position)` meets `rect`, in
    /// no particular order.
    pub fn intersecting<'a>(
        &'a self,
        rect: Rect,
        bbox_of: impl Fn(usize) -> Rect + 'a,
    ) -> impl Iterator<Item = usize> + 'a {
        self.tree
            .locate_in_envelope_intersecting(&envelope(rect))
            .map(|e| e.position as usize)
            .filter(move |&i| meets(bbox_of(i), rect))
    }

    /// The positions of the features whose bounding box `bbox_of(position)` `keep`
    /// accepts; with `bbox_of` giving `None`, of those whose box in the tree (rounded
    /// outwards to `f32`) it accepts. `keep` is asked about the tree's inner boxes too,
    /// and must accept every box that holds an accepted one (a test like "comes within d
    /// of a line" does), so that whole branches are skipped.
    pub fn matching<'a>(
        &'a self,
        keep: impl Fn(Rect) -> bool + 'a,
        bbox_of: impl Fn(usize) -> Option<Rect> + 'a,
    ) -> impl Iterator<Item = usize> + 'a {
        let keep = std::rc::Rc::new(keep);
        let exact = std::rc::Rc::clone(&keep);
        self.tree
            .locate_with_selection_function(Matching(keep))
            .map(|e| e.position as usize)
            .filter(move |&i| bbox_of(i).is_none_or(|b| exact(b)))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.tree.size()
    }

    /// Whether the tree is empty.
    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }
}

struct Matching<F>(std::rc::Rc<F>);

impl<F: Fn(Rect) -> bool> rstar::SelectionFunction<Entry> for Matching<F> {
    fn should_unpack_parent(&self, envelope: &AABB<[f32; 2]>) -> bool {
        let (lo, hi) = (envelope.lower(), envelope.upper());
        (self.0)(Rect::new(
            (f64::from(lo[0]), f64::from(lo[1])),
            (f64::from(hi[0]), f64::from(hi[1])),
        ))
    }

    fn should_unpack_leaf(&self, leaf: &Entry) -> bool {
        self.should_unpack_parent(&leaf.envelope())
    }
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

    #[test]
    fn boxes_are_rounded_outwards() {
        for x in [
            105.700_050_97,
            -105.700_050_97,
            19.216_482_03,
            0.0,
            1e-50,
            -1e-50,
            3.0,
        ] {
            assert!(f64::from(down(x)) <= x && f64::from(up(x)) >= x, "{x}");
        }
        // At the data's longitudes, within one f32 step (2^-17 degrees, under a metre).
        let x = 105.700_050_97;
        assert!(f64::from(up(x)) - f64::from(down(x)) <= 2f64.powi(-17));
        assert_eq!((down(3.0), up(3.0)), (3.0, 3.0));
    }

    #[test]
    fn boxes_closer_than_an_f32_step_are_told_apart() {
        // 1e-7 degrees apart: the same f32 box, different f64 ones.
        let a = rect(105.7, 19.2, 1e-7, 1e-7);
        let b = rect(105.7 + 2e-7, 19.2, 1e-7, 1e-7);
        let boxes = [a, b];
        let index = SpatialIndex::bulk_load(boxes);
        let near_b = rect(105.7 + 2.5e-7, 19.2, 1e-8, 1e-8);
        assert_eq!(
            index.intersecting(near_b, |i| boxes[i]).collect::<Vec<_>>(),
            [1]
        );
        let keep = move |r: Rect| meets(r, near_b);
        assert_eq!(
            index.matching(keep, |i| Some(boxes[i])).collect::<Vec<_>>(),
            [1]
        );
        // Without the exact boxes, both (the same box in f32) are offered.
        let mut both: Vec<usize> = index.matching(keep, |_| None).collect();
        both.sort_unstable();
        assert_eq!(both, [0, 1]);
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
            let mut got: Vec<usize> = index.intersecting(q, |i| boxes[i]).collect();
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
        let mut got: Vec<usize> = index
            .intersecting(q, |i| {
                boxes[i].expect("only boxes in the tree are asked for")
            })
            .collect();
        got.sort_unstable();
        let want: Vec<usize> = (0..boxes.len())
            .filter(|&i| boxes[i].is_some_and(|b| meets(b, q)))
            .collect();
        assert_eq!(got, want);
    }
}
