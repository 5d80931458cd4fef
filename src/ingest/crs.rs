//! Which of drainplan's coordinate systems a source file is drawn in: from what the file
//! says (a `.prj`, a GeoJSON `crs`, a GeoPackage srs, a MapInfo CoordSys, as GDAL reads
//! them; a DXF's `$PROJECTNAME`), or else from the CRS tag drainplan puts in the names of
//! its exports (`parcels_EPSG9208.csv`).

use std::path::Path;

use crate::crs::Crs;
use crate::crs::names::COPIED_TOWGS84;

/// What a file says about its CRS.
#[derive(Debug, Clone, PartialEq)]
pub enum Declared {
    /// Nothing.
    Nothing,
    /// One of drainplan's CRSs, and where it was read (`the file's CRS`, `$PROJECTNAME`…).
    Crs(Crs, String),
    /// A projection that fits several of drainplan's CRSs without telling which datum:
    /// `--crs` picks one of `fits`.
    Unsure {
        /// The CRSs it may be.
        fits: Vec<Crs>,
        /// What the file says, for the message.
        says: String,
    },
    /// A CRS drainplan does not read (to be reprojected first).
    Foreign(String),
}

fn proj_param(proj4: &str, key: &str) -> Option<String> {
    proj4
        .split_whitespace()
        .find_map(|t| t.strip_prefix(&format!("+{key}=")))
        .map(str::to_owned)
}

fn near(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

/// The CRS GDAL read from a layer.
pub fn identify(srs: &gdal::spatial_ref::SpatialRef) -> Declared {
    let proj4 = srs.to_proj4().unwrap_or_default();
    let num = |k: &str| proj_param(&proj4, k).and_then(|v| v.parse::<f64>().ok());
    let tm3 = proj_param(&proj4, "proj").as_deref() == Some("tmerc")
        && near(num("lon_0"), 104.75)
        && near(num("k"), 0.9999)
        && near(num("x_0"), 500_000.0)
        && near(num("y_0"), 0.0);
    // A +towgs84 with VN-2000's shift: the rotations' sign tells the copied string
    // (position vector) from EPSG's (coordinate frame).
    if let Some(towgs84) = proj_param(&proj4, "towgs84") {
        let given: Vec<f64> = towgs84.split(',').filter_map(|v| v.parse().ok()).collect();
        let copied: Vec<f64> = COPIED_TOWGS84
            .split(',')
            .filter_map(|v| v.parse().ok())
            .collect();
        if given.len() == 7 && (given[0] - copied[0]).abs() < 1e-3 {
            let same_sign = given[3].signum() == copied[3].signum();
            if tm3 && same_sign {
                return Declared::Crs(
                    Crs::Tm3CopiedTowgs84,
                    "the file's CRS (TM-3 104°45′ with the copied +towgs84)".into(),
                );
            }
            if tm3 {
                return Declared::Crs(
                    Crs::Tm3NgheAn,
                    "the file's CRS (TM-3 104°45′ with EPSG's VN-2000 shift)".into(),
                );
            }
        }
    }
    let mut identified = srs.clone();
    let _ = identified.auto_identify_epsg();
    let code = srs.auth_code().or_else(|_| identified.auth_code()).ok();
    let by_code = match code {
        Some(4326) => Some(Crs::Wgs84),
        Some(9208) => Some(Crs::Tm3NgheAn),
        Some(3405) => Some(Crs::Utm48n),
        _ => None,
    };
    if let Some(c) = by_code {
        return Declared::Crs(c, format!("the file's CRS ({})", c.name()));
    }
    let wkt = srs.to_wkt().unwrap_or_default();
    if let Some(c) = crate::ingest::crs_from_text(&wkt) {
        return Declared::Crs(c, format!("the file's CRS ({})", c.name()));
    }
    let name = srs.name().unwrap_or_else(|| proj4.clone());
    let datum_says_vn2000 = {
        let w = wkt.to_ascii_lowercase();
        w.contains("vn-2000")
            || w.contains("vn_2000")
            || w.contains("vietnam 2000")
            || w.contains("vietnam_2000")
    };
    if tm3 {
        if datum_says_vn2000 {
            return Declared::Crs(
                Crs::Tm3NgheAn,
                "the file's CRS (TM-3 104°45′ on VN-2000)".into(),
            );
        }
        return Declared::Unsure {
            fits: vec![Crs::Tm3NgheAn, Crs::Tm3CopiedTowgs84],
            says: format!(
                "TM-3 104°45′ (k 0.9999, E0 500 000) without VN-2000's datum shift (`{name}`), as MapInfo files record VN-2000"
            ),
        };
    }
    let utm48 = proj_param(&proj4, "proj").as_deref() == Some("utm")
        && proj_param(&proj4, "zone").as_deref() == Some("48")
        && !proj4.contains("+south");
    if utm48 && datum_says_vn2000 {
        return Declared::Crs(Crs::Utm48n, "the file's CRS (UTM 48N on VN-2000)".into());
    }
    if proj_param(&proj4, "proj").as_deref() == Some("longlat")
        && proj_param(&proj4, "datum").as_deref() == Some("WGS84")
    {
        return Declared::Crs(Crs::Wgs84, "the file's CRS (WGS 84)".into());
    }
    Declared::Foreign(name)
}

/// The CRS named in a DXF's `$PROJECTNAME` (drainplan writes `Title (EPSG:9208)`).
pub fn from_project_name(name: &str) -> Option<Crs> {
    let last = name
        .rsplit_once('(')
        .and_then(|(_, tail)| tail.split_once(')'))
        .map(|(inside, _)| inside);
    last.and_then(|n| Crs::parse(n).ok())
        .or_else(|| crate::ingest::crs_from_text(name))
}

/// The CRS tag of a drainplan export's file name (`parcels_EPSG9208.csv`).
pub fn from_file_name(path: &Path) -> Option<Crs> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    Crs::ALL.into_iter().find(|c| {
        let tag = format!("_{}", c.file_tag().to_ascii_lowercase());
        name.contains(&format!("{tag}.")) || name.ends_with(&tag)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_name_tags() {
        assert_eq!(
            from_file_name(Path::new("/x/parcels_EPSG9208.csv")),
            Some(Crs::Tm3NgheAn)
        );
        assert_eq!(
            from_file_name(Path::new("canals_VN2000-TM3-104.75-towgs84.dxf")),
            Some(Crs::Tm3CopiedTowgs84)
        );
        assert_eq!(from_file_name(Path::new("to_12.dgn")), None);
    }

    #[test]
    fn project_names_as_drainplan_writes_them() {
        for c in Crs::ALL {
            let written = format!("{} ({})", c.title(), c.name());
            assert_eq!(from_project_name(&written), Some(c), "{written}");
        }
    }

    #[test]
    fn gdal_reads_our_prj_files_as_our_crss() {
        for c in Crs::ALL {
            let srs = gdal::spatial_ref::SpatialRef::from_esri(c.prj())
                .or_else(|_| gdal::spatial_ref::SpatialRef::from_wkt(c.prj()))
                .unwrap();
            match identify(&srs) {
                Declared::Crs(got, _) => assert_eq!(got, c),
                other => panic!("{c}: {other:?}"),
            }
        }
    }
}
