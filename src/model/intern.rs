//! Shared copies of the short strings many records repeat (village ids, land-use codes).
//!
//! A million parcels name a few hundred villages and a dozen land-use codes; as `String`s
//! they were two million small allocations. Interned, each record holds a pointer to one
//! shared copy.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Arc;

/// Distinct strings a thread keeps shared copies of; past this, strings are copied, so a
/// stream of distinct values (an import, a hostile edit) cannot grow the table without
/// bound. A national data set names about twenty thousand villages (2 520 communes of
/// eight): with 4 096, four parcels and households in five held their own copy of their
/// village id at ten million parcels.
const MAX_SHARED: usize = 1 << 16;
/// Longer strings are copied, not shared: with [`MAX_SHARED`], a thread's table stays
/// under about six megabytes whatever it is fed.
const MAX_LEN: usize = 64;

thread_local! {
    static SHARED: RefCell<HashSet<Arc<str>>> = RefCell::new(HashSet::new());
}

/// A shared copy of `s`: the same allocation for every equal string this thread interns
/// (each loading thread keeps its own table, so a value may have one copy per thread).
pub fn intern(s: &str) -> Arc<str> {
    SHARED.with(|shared| {
        let mut shared = shared.borrow_mut();
        if let Some(a) = shared.get(s) {
            return Arc::clone(a);
        }
        let a: Arc<str> = Arc::from(s);
        if shared.len() < MAX_SHARED && s.len() <= MAX_LEN {
            shared.insert(Arc::clone(&a));
        }
        a
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_strings_share_one_copy() {
        let a = intern("vil-dd");
        let b = intern(&String::from("vil-dd"));
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(&*a, "vil-dd");
        assert!(!Arc::ptr_eq(&a, &intern("vil-tc")));
    }

    #[test]
    fn the_table_stops_growing() {
        std::thread::spawn(|| {
            for i in 0..MAX_SHARED + 10 {
                intern(&format!("v{i}"));
            }
            assert_eq!(SHARED.with(|s| s.borrow().len()), MAX_SHARED);
            let late = format!("v{}", MAX_SHARED + 5);
            assert!(!Arc::ptr_eq(&intern(&late), &intern(&late)));
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_national_set_of_village_ids_is_shared() {
        // 2 520 communes of 8 villages, and a dozen land-use codes, all shared.
        std::thread::spawn(|| {
            let ids: Vec<String> = (2..=2520)
                .flat_map(|k| (1..=8).map(move |v| format!("c{k:03}-vil-{v:02}")))
                .collect();
            let first: Vec<Arc<str>> = ids.iter().map(|s| intern(s)).collect();
            for (a, s) in first.iter().zip(&ids) {
                assert!(Arc::ptr_eq(a, &intern(s)), "{s}");
            }
        })
        .join()
        .unwrap();
    }

    #[test]
    fn long_strings_are_copied() {
        std::thread::spawn(|| {
            let long = "x".repeat(MAX_LEN + 1);
            assert!(!Arc::ptr_eq(&intern(&long), &intern(&long)));
            let edge = "y".repeat(MAX_LEN);
            assert!(Arc::ptr_eq(&intern(&edge), &intern(&edge)));
        })
        .join()
        .unwrap();
    }
}
