//! A zip of named in-memory files (deflated), for shapefiles and the dossier.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;

use super::ExportError;

/// Zips `files` (name, bytes) in the given order.
pub fn zip(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, ExportError> {
    let err = |e: &dyn std::fmt::Display| ExportError::write("zip", e);
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        w.start_file(name.as_str(), opts).map_err(|e| err(&e))?;
        w.write_all(bytes).map_err(|e| err(&e))?;
    }
    Ok(w.finish().map_err(|e| err(&e))?.into_inner())
}
