//! The coordinate systems an export can be written in, how each is named inside a file,
//! and the projection of a table's WGS84 geometries into it.
//!
//! EPSG's definitions are the default. `VN2000-TM3-104.75-towgs84` is the PROJ string
//! copied around Vietnamese GIS guides: its three rotations have the opposite sign to
//! EPSG's transformation (position-vector versus coordinate-frame convention), so it lands
//! about 0.7 m from EPSG:9208. It is offered only so that a user can line up with files
//! drawn by software set up with it.

use geo::{Coord, Geometry, MapCoords};

use crate::crs::{self as base, CrsError};

/// The widely copied seven-parameter shift of VN-2000 (note the rotation signs).
pub const COPIED_TOWGS84: &str =
    "-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,0.252906278";

/// A coordinate system an export can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportCrs {
    /// WGS84 longitude/latitude (EPSG:4326, written lon, lat).
    Wgs84,
    /// VN-2000 / TM-3 104-45, the Nghệ An zone (EPSG:9208).
    Tm3NgheAn,
    /// VN-2000 / UTM zone 48N (EPSG:3405).
    Utm48n,
    /// TM-3 104°45′ on VN-2000 with the widely copied `+towgs84` string (not EPSG's).
    Tm3CopiedTowgs84,
}

/// The user asked for a CRS drainplan does not write.
#[derive(Debug, thiserror::Error)]
#[error("crs=`{0}` is not one of {names}", names = ExportCrs::names())]
pub struct UnknownCrs(pub String);

impl ExportCrs {
    /// Every CRS, default first.
    pub const ALL: [ExportCrs; 4] = [
        ExportCrs::Wgs84,
        ExportCrs::Tm3NgheAn,
        ExportCrs::Utm48n,
        ExportCrs::Tm3CopiedTowgs84,
    ];

    /// The name a user passes as `crs=`.
    pub fn name(self) -> &'static str {
        match self {
            ExportCrs::Wgs84 => base::WGS84,
            ExportCrs::Tm3NgheAn => base::VN2000_TM3_NGHE_AN,
            ExportCrs::Utm48n => base::VN2000_UTM48N,
            ExportCrs::Tm3CopiedTowgs84 => "VN2000-TM3-104.75-towgs84",
        }
    }

    /// The accepted names, for error messages.
    pub fn names() -> String {
        ExportCrs::ALL.map(ExportCrs::name).join(", ")
    }

    /// Parses `EPSG:9208`, `9208`, an OGC URI (`http://www.opengis.net/def/crs/EPSG/0/9208`,
    /// `…/OGC/1.3/CRS84`) or the alternative's name, ignoring case.
    pub fn parse(s: &str) -> Result<ExportCrs, UnknownCrs> {
        let t = s.trim();
        let lower = t.to_ascii_lowercase();
        let code = lower
            .strip_prefix("epsg:")
            .or_else(|| lower.strip_prefix("http://www.opengis.net/def/crs/epsg/0/"))
            .unwrap_or(&lower);
        let found = match code {
            "4326" | "crs84" | "http://www.opengis.net/def/crs/ogc/1.3/crs84" => {
                Some(ExportCrs::Wgs84)
            }
            "9208" => Some(ExportCrs::Tm3NgheAn),
            "3405" => Some(ExportCrs::Utm48n),
            _ if lower == ExportCrs::Tm3CopiedTowgs84.name().to_ascii_lowercase() => {
                Some(ExportCrs::Tm3CopiedTowgs84)
            }
            _ => None,
        };
        found.ok_or_else(|| UnknownCrs(t.to_owned()))
    }

    /// The EPSG code, where the CRS has one.
    pub fn epsg(self) -> Option<u32> {
        match self {
            ExportCrs::Wgs84 => Some(4326),
            ExportCrs::Tm3NgheAn => Some(9208),
            ExportCrs::Utm48n => Some(3405),
            ExportCrs::Tm3CopiedTowgs84 => None,
        }
    }

    /// A human title, as in the EPSG registry.
    pub fn title(self) -> &'static str {
        match self {
            ExportCrs::Wgs84 => "WGS 84 (longitude, latitude)",
            ExportCrs::Tm3NgheAn => "VN-2000 / TM-3 104-45 (Nghệ An)",
            ExportCrs::Utm48n => "VN-2000 / UTM zone 48N",
            ExportCrs::Tm3CopiedTowgs84 => {
                "VN-2000 TM-3 104-45 with the widely copied +towgs84 (not EPSG; ≈0.7 m off)"
            }
        }
    }

    /// The tag put in file names: `EPSG9208`, or the alternative's name.
    pub fn file_tag(self) -> String {
        match self.epsg() {
            Some(code) => format!("EPSG{code}"),
            None => self.name().to_owned(),
        }
    }

    /// The URI for a `Content-Crs` header, or the name where the CRS has no URI.
    pub fn uri(self) -> String {
        match self.epsg() {
            Some(code) => format!("http://www.opengis.net/def/crs/EPSG/0/{code}"),
            None => self.name().to_owned(),
        }
    }

    /// The definition PROJ is given.
    pub fn proj_definition(self) -> &'static str {
        match self {
            ExportCrs::Tm3CopiedTowgs84 => concat!(
                "+proj=tmerc +lat_0=0 +lon_0=104.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 ",
                "+towgs84=-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,",
                "-0.00427372,0.252906278 +units=m +no_defs +type=crs"
            ),
            other => other.name(),
        }
    }

    /// Whether coordinates are metres (rounded to the millimetre) rather than degrees.
    pub fn is_metric(self) -> bool {
        self != ExportCrs::Wgs84
    }

    /// The text of a shapefile's `.prj`: PROJ's `WKT1_ESRI` for the EPSG CRSs (what ArcGIS
    /// and QGIS expect); OGC WKT 1 with its `TOWGS84` for the alternative, which ESRI WKT
    /// cannot carry.
    pub fn prj(self) -> &'static str {
        match self {
            ExportCrs::Wgs84 => ESRI_4326,
            ExportCrs::Tm3NgheAn => ESRI_9208,
            ExportCrs::Utm48n => ESRI_3405,
            ExportCrs::Tm3CopiedTowgs84 => OGC_TOWGS84,
        }
    }

    /// OGC WKT 1 (PROJ's `WKT1_GDAL`), as a GeoPackage's `gpkg_spatial_ref_sys` holds it.
    pub fn ogc_wkt(self) -> &'static str {
        match self {
            ExportCrs::Wgs84 => OGC_4326,
            ExportCrs::Tm3NgheAn => OGC_9208,
            ExportCrs::Utm48n => OGC_3405,
            ExportCrs::Tm3CopiedTowgs84 => OGC_TOWGS84,
        }
    }

    /// A projector from WGS84 into this CRS. PROJ objects are not `Sync`: make one per export.
    pub fn projector(self) -> Result<Projector, CrsError> {
        let proj = match self {
            ExportCrs::Wgs84 => None,
            other => Some(base::transformer(base::WGS84, other.proj_definition())?),
        };
        Ok(Projector { proj })
    }
}

impl std::fmt::Display for ExportCrs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Projects WGS84 geometries into an export CRS and rounds metric coordinates to the mm.
pub struct Projector {
    proj: Option<proj::Proj>,
}

impl Projector {
    /// Projects one coordinate (lon, lat) to (x, y) of the target CRS.
    pub fn coord(&self, c: Coord) -> Result<Coord, CrsError> {
        let Some(p) = &self.proj else {
            return Ok(c);
        };
        let (x, y) = p
            .convert((c.x, c.y))
            .map_err(|source| CrsError::Transform {
                x: c.x,
                y: c.y,
                source,
            })?;
        Ok(Coord {
            x: round_mm(x),
            y: round_mm(y),
        })
    }

    /// Projects a whole geometry.
    pub fn geometry(&self, g: &Geometry) -> Result<Geometry, CrsError> {
        g.try_map_coords(|c| self.coord(c))
    }
}

/// A metric value rounded to the millimetre.
pub fn round_mm(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

// The strings below are `projinfo -o WKT1_ESRI -q EPSG:…` and
// `projinfo -o WKT1_GDAL -q --single-line EPSG:…` of PROJ 9.1; the test module checks them
// against projinfo on the machine.

/// `projinfo -o WKT1_ESRI EPSG:4326`.
pub const ESRI_4326: &str = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
/// `projinfo -o WKT1_ESRI EPSG:9208`.
pub const ESRI_9208: &str = r#"PROJCS["VN-2000_TM-3_104-45",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",104.75],PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
/// `projinfo -o WKT1_ESRI EPSG:3405`.
pub const ESRI_3405: &str = r#"PROJCS["VN_2000_UTM_Zone_48N",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
/// `projinfo -o WKT1_GDAL EPSG:4326`.
pub const OGC_4326: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]"#;
/// `projinfo -o WKT1_GDAL EPSG:9208`.
pub const OGC_9208: &str = r#"PROJCS["VN-2000 / TM-3 104-45",GEOGCS["VN-2000",DATUM["Vietnam_2000",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6756"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4756"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",104.75],PARAMETER["scale_factor",0.9999],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH],AUTHORITY["EPSG","9208"]]"#;
/// `projinfo -o WKT1_GDAL EPSG:3405`.
pub const OGC_3405: &str = r#"PROJCS["VN-2000 / UTM zone 48N",GEOGCS["VN-2000",DATUM["Vietnam_2000",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6756"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4756"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",105],PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH],AUTHORITY["EPSG","3405"]]"#;
/// The alternative as OGC WKT 1: PROJ's `WKT1_GDAL` of the PROJ string, with names that
/// say what it is.
pub const OGC_TOWGS84: &str = r#"PROJCS["VN-2000 / TM-3 104-45 (copied towgs84)",GEOGCS["VN-2000 (copied towgs84)",DATUM["VN-2000 copied towgs84",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],TOWGS84[-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,0.252906278]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",104.75],PARAMETER["scale_factor",0.9999],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH]]"#;

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn names_parse_back() {
        for c in ExportCrs::ALL {
            assert_eq!(ExportCrs::parse(c.name()).unwrap(), c);
        }
        assert_eq!(ExportCrs::parse("9208").unwrap(), ExportCrs::Tm3NgheAn);
        assert_eq!(ExportCrs::parse("epsg:3405").unwrap(), ExportCrs::Utm48n);
        assert_eq!(
            ExportCrs::parse("http://www.opengis.net/def/crs/OGC/1.3/CRS84").unwrap(),
            ExportCrs::Wgs84
        );
        let e = ExportCrs::parse("EPSG:3857").unwrap_err().to_string();
        assert!(e.contains("EPSG:9208") && e.contains("towgs84"), "{e}");
    }

    #[test]
    fn copied_towgs84_lands_0_72_m_from_epsg() {
        // DEPENDENCIES.md (cs2cs 9.1): lon 105.70 lat 19.22 → EPSG:9208 E 599 692.5147,
        // N 2 126 189.3926; the copied string gives E 599 693.1987, N 2 126 189.6187.
        let at = Coord {
            x: 105.70,
            y: 19.22,
        };
        let epsg = ExportCrs::Tm3NgheAn.projector().unwrap().coord(at).unwrap();
        let copied = ExportCrs::Tm3CopiedTowgs84
            .projector()
            .unwrap()
            .coord(at)
            .unwrap();
        assert_abs_diff_eq!(epsg.x, 599_692.515, epsilon = 0.0011);
        assert_abs_diff_eq!(epsg.y, 2_126_189.393, epsilon = 0.0011);
        assert_abs_diff_eq!(copied.x, 599_693.199, epsilon = 0.0011);
        assert_abs_diff_eq!(copied.y, 2_126_189.619, epsilon = 0.0011);
    }

    #[test]
    fn metric_coordinates_are_whole_millimetres() {
        let p = ExportCrs::Utm48n
            .projector()
            .unwrap()
            .coord(Coord { x: 105.7, y: 19.2 })
            .unwrap();
        assert_abs_diff_eq!(p.x * 1000.0, (p.x * 1000.0).round(), epsilon = 1e-6);
    }
}
