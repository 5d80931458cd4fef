//! The design storm: an alternating-block hyetograph built from a station's intensity
//! formula, so that every duration up to the storm's has the formula's intensity in its
//! most intense window — the storm a SWMM model of the network is run with.
//!
//! 1. For k = 1 … N (N = duration / step), the depth of the most intense k·Δt:
//!    D_k = i(k·Δt) · k·Δt, with i in mm/h = 0.36 × q in l/s·ha
//!    (1 l/s·ha = 10⁻³ m³/s over 10⁴ m² = 10⁻⁷ m/s = 0.36 mm/h).
//! 2. Block depths ΔD_k = D_k − D_(k−1), largest first.
//! 3. The largest block goes in the middle (block (N − 1) / 2), the next ones alternately
//!    right and left of it.
//! 4. Each block's intensity is ΔD_k / Δt (mm/h).

use serde::Serialize;

use super::tables::RainStation;

/// A design storm: block intensities at a fixed step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DesignStorm {
    /// The station whose formula built it.
    pub station: String,
    /// Return period, years.
    pub return_period_years: u32,
    /// Total duration, minutes.
    pub duration_min: u32,
    /// Block length, minutes.
    pub step_min: u32,
    /// Block intensities in time order, mm/h.
    pub intensities_mm_h: Vec<f64>,
}

/// Why a storm could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StormError {
    /// A step of zero or a duration that is not a whole number of steps.
    #[error(
        "the storm's duration ({duration_min} min) must be a positive multiple of its step ({step_min} min)"
    )]
    Steps {
        /// Duration asked.
        duration_min: u32,
        /// Step asked.
        step_min: u32,
    },
}

/// Millimetres per hour in one l/s·ha.
pub const MM_H_PER_L_S_HA: f64 = 0.36;

impl DesignStorm {
    /// The alternating-block storm of a station's formula (the module's steps).
    ///
    /// # Examples
    ///
    /// ```
    /// use drainplan::hydraulics::{Tables, storm::DesignStorm};
    /// let tables = Tables::bundled().unwrap();
    /// let storm = DesignStorm::alternating_block(tables.station("Vinh").unwrap(), 2, 120, 5).unwrap();
    /// assert_eq!(storm.intensities_mm_h.len(), 24);
    /// ```
    pub fn alternating_block(
        station: &RainStation,
        return_period_years: u32,
        duration_min: u32,
        step_min: u32,
    ) -> Result<DesignStorm, StormError> {
        if step_min == 0 || duration_min == 0 || duration_min % step_min != 0 {
            return Err(StormError::Steps {
                duration_min,
                step_min,
            });
        }
        let n = (duration_min / step_min) as usize;
        let step_h = f64::from(step_min) / 60.0;
        let depth_mm = |k: usize| {
            let t_min = (k as f64) * f64::from(step_min);
            MM_H_PER_L_S_HA
                * station.intensity_l_s_ha(f64::from(return_period_years), t_min)
                * t_min
                / 60.0
        };
        let mut blocks: Vec<f64> = (1..=n).map(|k| depth_mm(k) - depth_mm(k - 1)).collect();
        blocks.sort_by(|a, b| b.total_cmp(a));
        let centre = (n - 1) / 2;
        let mut placed = vec![0.0; n];
        let mut right = centre + 1;
        let mut left = centre;
        for (k, depth) in blocks.into_iter().enumerate() {
            let slot = if k == 0 {
                centre
            } else if (k % 2 == 1 && right < n) || left == 0 {
                right += 1;
                right - 1
            } else {
                left -= 1;
                left
            };
            placed[slot] = depth / step_h;
        }
        Ok(DesignStorm {
            station: station.station.clone(),
            return_period_years,
            duration_min,
            step_min,
            intensities_mm_h: placed,
        })
    }

    /// Total depth, mm.
    pub fn depth_mm(&self) -> f64 {
        self.intensities_mm_h.iter().sum::<f64>() * f64::from(self.step_min) / 60.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hydraulics::Tables;
    use approx::assert_relative_eq;

    #[test]
    fn blocks_hold_the_formula_for_every_duration() {
        let t = Tables::bundled().unwrap();
        let vinh = t.station("Vinh").unwrap();
        let s = DesignStorm::alternating_block(vinh, 2, 120, 5).unwrap();
        // By hand: q(P = 2, 5 min) = 3997.894 / 25^0.69; 25^0.69 = exp(0.69 · 3.218876)
        // = exp(2.221025) = 9.216767; q = 433.76 l/s·ha = 156.15 mm/h: the peak block.
        let peak = s.intensities_mm_h.iter().cloned().fold(0.0, f64::max);
        assert_relative_eq!(peak, 156.15, max_relative = 1e-4);
        assert_eq!(s.intensities_mm_h[11], peak, "the peak is the middle block");
        // The whole storm holds the 120-minute depth: q(120) = 3997.894 / 140^0.69;
        // 140^0.69 = exp(0.69 · 4.941642) = exp(3.409733) = 30.25717; q = 132.13 l/s·ha
        // = 47.567 mm/h over 2 h = 95.13 mm.
        assert_relative_eq!(s.depth_mm(), 95.13, max_relative = 1e-4);
        // Blocks fall away from the peak on both sides.
        for k in 0..11 {
            assert!(s.intensities_mm_h[k] <= s.intensities_mm_h[k + 1]);
        }
        for k in 12..23 {
            assert!(s.intensities_mm_h[k] >= s.intensities_mm_h[k + 1]);
        }
        // The three middle blocks are the most intense 15 minutes.
        let d15: f64 = s.intensities_mm_h[10..13].iter().sum::<f64>() * 5.0 / 60.0;
        let q15 = vinh.intensity_l_s_ha(2.0, 15.0);
        assert_relative_eq!(d15, q15 * 0.36 * 15.0 / 60.0, max_relative = 1e-12);
    }

    #[test]
    fn steps_must_divide_the_duration() {
        let t = Tables::bundled().unwrap();
        let vinh = t.station("Vinh").unwrap();
        assert!(DesignStorm::alternating_block(vinh, 2, 120, 7).is_err());
        assert!(DesignStorm::alternating_block(vinh, 2, 120, 0).is_err());
    }
}
