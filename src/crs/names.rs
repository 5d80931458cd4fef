//! The coordinate systems drainplan reads and writes: their names, URIs, how a user or an
//! OGC API client may spell them, and how each is written inside a file.
//!
//! EPSG's definitions are the default. `VN2000-TM3-104.75-towgs84` is the PROJ string
//! copied around Vietnamese GIS guides: its three rotations have the opposite sign to
//! EPSG's transformation (position-vector versus coordinate-frame convention), so it lands
//! about 0.7 m from EPSG:9208. It is offered only so that a user can line up with files
//! drawn by software set up with it.

use geo::{Coord, Geometry, MapCoords};

use super::{self as base, CrsError, Precision};

/// URI of CRS84: WGS84 longitude, latitude.
pub const CRS84_URI: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// The widely copied seven-parameter shift of VN-2000 (note the rotation signs).
pub const COPIED_TOWGS84: &str =
    "-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,0.252906278";

/// A coordinate system drainplan reads or writes. Every one has (x, y) = (east, north):
/// longitude, latitude for WGS84.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Crs {
    /// WGS84 longitude/latitude (EPSG:4326 written lon, lat: OGC's CRS84), the storage CRS.
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
#[error("crs=`{0}` is not one of {names}", names = Crs::names())]
pub struct UnknownCrs(pub String);

impl Crs {
    /// The CRSs the OGC API offers, default first.
    pub const OFFERED_BY_API: [Crs; 3] = [Crs::Wgs84, Crs::Tm3NgheAn, Crs::Utm48n];

    /// Every CRS, default first: what exports and imports take.
    pub const ALL: [Crs; 4] = [
        Crs::Wgs84,
        Crs::Tm3NgheAn,
        Crs::Utm48n,
        Crs::Tm3CopiedTowgs84,
    ];

    /// The name a user passes as `crs=`.
    pub fn name(self) -> &'static str {
        match self {
            Crs::Wgs84 => base::WGS84,
            Crs::Tm3NgheAn => base::VN2000_TM3_NGHE_AN,
            Crs::Utm48n => base::VN2000_UTM48N,
            Crs::Tm3CopiedTowgs84 => "VN2000-TM3-104.75-towgs84",
        }
    }

    /// The accepted names, for error messages.
    pub fn names() -> String {
        Crs::ALL.map(Crs::name).join(", ")
    }

    /// Parses, as an export or import takes it, `EPSG:9208`, `9208`, an OGC URI (`http://www.opengis.net/def/crs/EPSG/0/9208`,
    /// `…/OGC/1.3/CRS84`) or the alternative's name, ignoring case.
    pub fn parse(s: &str) -> Result<Crs, UnknownCrs> {
        let t = s.trim();
        let lower = t.to_ascii_lowercase();
        let code = lower
            .strip_prefix("epsg:")
            .or_else(|| lower.strip_prefix("http://www.opengis.net/def/crs/epsg/0/"))
            .unwrap_or(&lower);
        let found = match code {
            "4326" | "crs84" | "http://www.opengis.net/def/crs/ogc/1.3/crs84" => Some(Crs::Wgs84),
            "9208" => Some(Crs::Tm3NgheAn),
            "3405" => Some(Crs::Utm48n),
            _ if lower == Crs::Tm3CopiedTowgs84.name().to_ascii_lowercase() => {
                Some(Crs::Tm3CopiedTowgs84)
            }
            _ => None,
        };
        found.ok_or_else(|| UnknownCrs(t.to_owned()))
    }

    /// The EPSG code, where the CRS has one.
    pub fn epsg(self) -> Option<u32> {
        match self {
            Crs::Wgs84 => Some(4326),
            Crs::Tm3NgheAn => Some(9208),
            Crs::Utm48n => Some(3405),
            Crs::Tm3CopiedTowgs84 => None,
        }
    }

    /// A human title, as in the EPSG registry.
    pub fn title(self) -> &'static str {
        match self {
            Crs::Wgs84 => "WGS 84 (longitude, latitude)",
            Crs::Tm3NgheAn => "VN-2000 / TM-3 104-45 (Nghệ An)",
            Crs::Utm48n => "VN-2000 / UTM zone 48N",
            Crs::Tm3CopiedTowgs84 => {
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

    /// The URI for a `Content-Crs` header and the OGC API's CRS lists (CRS84 for WGS84,
    /// whose coordinates are longitude first), or the name where the CRS has no URI.
    pub fn uri(self) -> &'static str {
        match self {
            Crs::Wgs84 => CRS84_URI,
            Crs::Tm3NgheAn => "http://www.opengis.net/def/crs/EPSG/0/9208",
            Crs::Utm48n => "http://www.opengis.net/def/crs/EPSG/0/3405",
            Crs::Tm3CopiedTowgs84 => Crs::Tm3CopiedTowgs84.name(),
        }
    }

    /// Whether coordinates are degrees of longitude and latitude.
    pub fn is_geographic(self) -> bool {
        self == Crs::Wgs84
    }

    /// Reads a CRS as an OGC API client may write it (Part 2): the OGC URI (http or
    /// https), a URN, a safe CURIE `[EPSG:9208]` or a bare `EPSG:9208` / `CRS84`; only
    /// [`Crs::OFFERED_BY_API`].
    ///
    /// EPSG:4326 is refused on purpose: its official axis order is latitude first, and
    /// serving it as longitude first would silently swap coordinates in strict clients.
    pub fn parse_api(text: &str) -> Result<Crs, String> {
        let t = text.trim();
        let t = t
            .strip_prefix('[')
            .and_then(|s| s.strip_suffix(']'))
            .unwrap_or(t);
        let lower = t.to_ascii_lowercase();
        let lower = lower
            .strip_prefix("https://")
            .map_or(lower.clone(), |rest| format!("http://{rest}"));
        let code = match lower.as_str() {
            "http://www.opengis.net/def/crs/ogc/1.3/crs84"
            | "urn:ogc:def:crs:ogc:1.3:crs84"
            | "urn:ogc:def:crs:ogc::crs84"
            | "ogc:crs84"
            | "crs84" => return Ok(Crs::Wgs84),
            s => s
                .strip_prefix("http://www.opengis.net/def/crs/epsg/0/")
                .or_else(|| s.strip_prefix("urn:ogc:def:crs:epsg::"))
                .or_else(|| s.strip_prefix("urn:ogc:def:crs:epsg:0:"))
                .or_else(|| s.strip_prefix("epsg:")),
        };
        match code {
            Some("9208") => Ok(Crs::Tm3NgheAn),
            Some("3405") => Ok(Crs::Utm48n),
            Some("4326") => Err(format!(
                "`{text}` is not offered: EPSG:4326 puts latitude first; use {CRS84_URI} \
                 (longitude, latitude), the default"
            )),
            _ => Err(format!(
                "`{text}` is not a CRS this service offers; use one of {}",
                Crs::OFFERED_BY_API.map(Crs::uri).join(", ")
            )),
        }
    }

    /// The definition PROJ is given.
    pub fn proj_definition(self) -> &'static str {
        match self {
            Crs::Tm3CopiedTowgs84 => concat!(
                "+proj=tmerc +lat_0=0 +lon_0=104.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 ",
                "+towgs84=-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,",
                "-0.00427372,0.252906278 +units=m +no_defs +type=crs"
            ),
            other => other.name(),
        }
    }

    /// Whether coordinates are metres (rounded to the millimetre) rather than degrees.
    pub fn is_metric(self) -> bool {
        self != Crs::Wgs84
    }

    /// The text of a shapefile's `.prj`: PROJ's `WKT1_ESRI` for the EPSG CRSs (what ArcGIS
    /// and QGIS expect); OGC WKT 1 with its `TOWGS84` for the alternative, which ESRI WKT
    /// cannot carry.
    pub fn prj(self) -> &'static str {
        match self {
            Crs::Wgs84 => ESRI_4326,
            Crs::Tm3NgheAn => ESRI_9208,
            Crs::Utm48n => ESRI_3405,
            Crs::Tm3CopiedTowgs84 => OGC_TOWGS84,
        }
    }

    /// OGC WKT 1 (PROJ's `WKT1_GDAL`), as a GeoPackage's `gpkg_spatial_ref_sys` holds it.
    pub fn ogc_wkt(self) -> &'static str {
        match self {
            Crs::Wgs84 => OGC_4326,
            Crs::Tm3NgheAn => OGC_9208,
            Crs::Utm48n => OGC_3405,
            Crs::Tm3CopiedTowgs84 => OGC_TOWGS84,
        }
    }

    /// A projector from WGS84 into this CRS, for files (coordinates to the millimetre).
    pub fn projector(self) -> Result<Projector, CrsError> {
        // Checked now, so that a missing PROJ database fails before any file is begun.
        base::with_transformer(Crs::Wgs84, self, |_| ())?;
        Ok(Projector { to: self })
    }
}

impl std::fmt::Display for Crs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Projects WGS84 geometries into a CRS for a file: metric coordinates to the millimetre
/// ([`Precision::Millimetre`]).
pub struct Projector {
    to: Crs,
}

impl Projector {
    /// Projects one coordinate (lon, lat) to (x, y) of the target CRS.
    pub fn coord(&self, c: Coord) -> Result<Coord, CrsError> {
        if self.to.is_geographic() {
            return Ok(c);
        }
        let t = base::transform(c, Crs::Wgs84, self.to)?;
        Ok(Coord {
            x: round_mm(t.x),
            y: round_mm(t.y),
        })
    }

    /// Projects a whole geometry.
    pub fn geometry(&self, g: &Geometry) -> Result<Geometry, CrsError> {
        g.try_map_coords(|c| self.coord(c))
    }
}

/// A metric value rounded to the millimetre, as files carry it.
pub fn round_mm(v: f64) -> f64 {
    base::round_projected(v, Precision::Millimetre)
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
        for c in Crs::ALL {
            assert_eq!(Crs::parse(c.name()).unwrap(), c);
        }
        assert_eq!(Crs::parse("9208").unwrap(), Crs::Tm3NgheAn);
        assert_eq!(Crs::parse("epsg:3405").unwrap(), Crs::Utm48n);
        assert_eq!(
            Crs::parse("http://www.opengis.net/def/crs/OGC/1.3/CRS84").unwrap(),
            Crs::Wgs84
        );
        let e = Crs::parse("EPSG:3857").unwrap_err().to_string();
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
        let epsg = Crs::Tm3NgheAn.projector().unwrap().coord(at).unwrap();
        let copied = Crs::Tm3CopiedTowgs84
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
        let p = Crs::Utm48n
            .projector()
            .unwrap()
            .coord(Coord { x: 105.7, y: 19.2 })
            .unwrap();
        assert_abs_diff_eq!(p.x * 1000.0, (p.x * 1000.0).round(), epsilon = 1e-6);
    }

    #[test]
    fn spellings_of_the_offered_crss_are_understood() {
        for s in [
            "http://www.opengis.net/def/crs/EPSG/0/9208",
            "https://www.opengis.net/def/crs/EPSG/0/9208",
            "EPSG:9208",
            "[EPSG:9208]",
            "urn:ogc:def:crs:EPSG::9208",
        ] {
            assert_eq!(Crs::parse_api(s), Ok(Crs::Tm3NgheAn), "{s}");
        }
        assert_eq!(Crs::parse_api(CRS84_URI), Ok(Crs::Wgs84));
        assert_eq!(Crs::parse_api("EPSG:3405"), Ok(Crs::Utm48n));
        assert!(
            Crs::parse_api("EPSG:4326")
                .unwrap_err()
                .contains("latitude")
        );
        assert!(
            Crs::parse_api("EPSG:3857")
                .unwrap_err()
                .contains("EPSG/0/9208")
        );
    }
}
