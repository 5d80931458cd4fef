//! Shared boundaries that stay shared after projection.
//!
//! Where a corner of one parcel lies on the side of another (a T-junction), projecting both
//! to WGS84 and rounding would leave a sliver or an overlap of a fraction of a millimetre.
//! Inserting that corner into the other ring as a vertex makes both rings pass through the
//! very same projected point, so neighbours share their boundary exactly and a village
//! polygon covers its parcels exactly.

use std::collections::BTreeMap;

/// A point of the metric grid in whole millimetres.
pub(crate) type Pt = (i64, i64);

/// Every vertex of a set of axis-aligned rings, by line.
#[derive(Debug, Default)]
pub(crate) struct Nodes {
    /// For each y, the sorted x of the vertices on that horizontal line.
    by_y: BTreeMap<i64, Vec<i64>>,
    /// For each x, the sorted y of the vertices on that vertical line.
    by_x: BTreeMap<i64, Vec<i64>>,
}

impl Nodes {
    /// Collects the vertices of `rings`.
    pub fn new<'a>(rings: impl IntoIterator<Item = &'a [Pt]>) -> Nodes {
        let mut n = Nodes::default();
        for ring in rings {
            for &(x, y) in ring {
                n.by_y.entry(y).or_default().push(x);
                n.by_x.entry(x).or_default().push(y);
            }
        }
        for v in n.by_y.values_mut().chain(n.by_x.values_mut()) {
            v.sort_unstable();
            v.dedup();
        }
        n
    }

    /// `ring` with every collected vertex that lies strictly inside one of its edges
    /// inserted, in order along the edge. Edges must be horizontal or vertical.
    pub fn split(&self, ring: &[Pt]) -> Vec<Pt> {
        let mut out = Vec::with_capacity(ring.len() + 4);
        for w in ring.windows(2) {
            let (a, b) = (w[0], w[1]);
            out.push(a);
            let (line, from, to, horizontal) = if a.1 == b.1 {
                (self.by_y.get(&a.1), a.0, b.0, true)
            } else {
                debug_assert_eq!(a.0, b.0, "edge {a:?} → {b:?} is not axis-aligned");
                (self.by_x.get(&a.0), a.1, b.1, false)
            };
            let Some(line) = line else { continue };
            let (lo, hi) = (from.min(to), from.max(to));
            let start = line.partition_point(|&v| v <= lo);
            let end = line.partition_point(|&v| v < hi);
            let inner = &line[start..end.max(start)];
            let at = |v: i64| if horizontal { (v, a.1) } else { (a.0, v) };
            if from < to {
                out.extend(inner.iter().map(|&v| at(v)));
            } else {
                out.extend(inner.iter().rev().map(|&v| at(v)));
            }
        }
        if let Some(&last) = ring.last() {
            out.push(last);
        }
        out
    }
}

/// The closed counter-clockwise ring of an axis-aligned rectangle, from its south-west
/// corner: edge 0 is the south side, 1 the east, 2 the north, 3 the west.
pub(crate) fn rect_ring(x0: i64, y0: i64, x1: i64, y1: i64) -> Vec<Pt> {
    vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_t_junction_corners_in_travel_order() {
        // A 20 × 10 box with two 10 × 5 boxes on its north side and one on its west.
        let big = rect_ring(0, 0, 20, 10);
        let n1 = rect_ring(0, 10, 10, 15);
        let n2 = rect_ring(10, 10, 20, 15);
        let w = rect_ring(-5, 2, 0, 8);
        let nodes = Nodes::new([&big[..], &n1[..], &n2[..], &w[..]]);
        assert_eq!(
            nodes.split(&big),
            vec![
                (0, 0),
                (20, 0),
                (20, 10),
                (10, 10),
                (0, 10),
                (0, 8),
                (0, 2),
                (0, 0)
            ]
        );
        // The small boxes gain nothing: no other corner lies inside their sides.
        assert_eq!(nodes.split(&n1), n1);
    }
}
