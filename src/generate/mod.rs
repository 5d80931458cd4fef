//! The deterministic sample-data generator (placeholder until the generator lands).
