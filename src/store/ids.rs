//! A layer's feature ids to positions, without a second copy of every id: the table holds
//! positions only and reads the ids from the features themselves (a `HashMap<String,
//! usize>` cost about 75 bytes per feature, a tenth of a million parcels' memory). Hashed
//! with foldhash (hashbrown's default, randomly seeded per table), a few times quicker than
//! SipHash on short ids.

use std::hash::BuildHasher;

use hashbrown::HashTable;

use super::Feature;

#[derive(Debug, Default, Clone)]
pub(crate) struct IdIndex {
    table: HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
}

impl IdIndex {
    /// The index of `features`; ids are unique (the loader checks that first).
    pub(crate) fn build(features: &[Feature]) -> IdIndex {
        let mut ids = IdIndex {
            table: HashTable::with_capacity(features.len()),
            hasher: hashbrown::DefaultHashBuilder::default(),
        };
        for pos in 0..features.len() {
            ids.insert(features, pos);
        }
        ids
    }

    /// The first feature whose id an earlier one has, as (earlier, later) positions.
    pub(crate) fn first_duplicate(features: &[Feature]) -> Option<(usize, usize)> {
        let mut ids = IdIndex {
            table: HashTable::with_capacity(features.len()),
            hasher: hashbrown::DefaultHashBuilder::default(),
        };
        for pos in 0..features.len() {
            if let Some(first) = ids.get(features, &features[pos].id) {
                return Some((first, pos));
            }
            ids.insert(features, pos);
        }
        None
    }

    fn hash(&self, id: &str) -> u64 {
        self.hasher.hash_one(id)
    }

    /// The position of `id`.
    pub(crate) fn get(&self, features: &[Feature], id: &str) -> Option<usize> {
        self.table
            .find(self.hash(id), |&p| features[p as usize].id == id)
            .map(|&p| p as usize)
    }

    /// Adds `features[pos]`, which must already be in `features`.
    pub(crate) fn insert(&mut self, features: &[Feature], pos: usize) {
        let hash = self.hash(&features[pos].id);
        let position = u32::try_from(pos).expect("fewer than 4 billion features in a layer");
        let hasher = &self.hasher;
        self.table.insert_unique(hash, position, |&p| {
            hasher.hash_one(features[p as usize].id.as_str())
        });
    }

    /// Forgets `features[pos]`.
    pub(crate) fn remove(&mut self, features: &[Feature], pos: usize) {
        let hash = self.hash(&features[pos].id);
        if let Ok(entry) = self.table.find_entry(hash, |&p| p as usize == pos) {
            entry.remove();
        }
    }

    /// Records that `features[from]` is moving to position `to`.
    pub(crate) fn relocate(&mut self, features: &[Feature], from: usize, to: usize) {
        let hash = self.hash(&features[from].id);
        if let Some(p) = self.table.find_mut(hash, |&p| p as usize == from) {
            *p = u32::try_from(to).expect("fewer than 4 billion features in a layer");
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.table.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Geometry, Point};

    fn feature(id: &str) -> Feature {
        Feature {
            id: id.to_owned(),
            geometry: Geometry::Point(Point::new(0.0, 0.0)),
            properties: Default::default(),
        }
    }

    #[test]
    fn follows_pushes_and_swap_removes_like_a_map() {
        // A HashMap<String, usize> kept the same way is the reference.
        let mut features: Vec<Feature> = (0..500).map(|i| feature(&format!("p-{i}"))).collect();
        let mut ids = IdIndex::build(&features);
        let mut want: std::collections::HashMap<String, usize> = features
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id.clone(), i))
            .collect();
        for round in 0..300 {
            if round % 3 == 0 {
                features.push(feature(&format!("new-{round}")));
                ids.insert(&features, features.len() - 1);
                want.insert(format!("new-{round}"), features.len() - 1);
            } else {
                let pos = (round * 37) % features.len();
                let last = features.len() - 1;
                ids.remove(&features, pos);
                want.remove(&features[pos].id);
                if pos != last {
                    ids.relocate(&features, last, pos);
                    want.insert(features[last].id.clone(), pos);
                }
                features.swap_remove(pos);
            }
            assert_eq!(ids.len(), want.len());
        }
        for (id, &pos) in &want {
            assert_eq!(ids.get(&features, id), Some(pos));
        }
        assert_eq!(ids.get(&features, "p-nowhere"), None);
    }
}
