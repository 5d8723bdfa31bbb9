//! The median and range of a few repeated measurements: on a shared machine identical runs
//! differ by 15-20%, so one run's number (or one ratio of two runs) says little on its own.

use serde::Serialize;

/// Median, lowest and highest of a set of measurements.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    /// `None` for no values; the median of an even count is the mean of the middle two.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Spread> {
        let mut v: Vec<f64> = values.into_iter().collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = match n {
            0 => return None,
            _ if n % 2 == 1 => v[n / 2],
            _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        };
        Some(Spread {
            median,
            min: v[0],
            max: v[n - 1],
        })
    }

    /// `0.45 (0.41–0.49)` with `decimals` places, or only the median when all values agree.
    pub fn show(&self, decimals: usize) -> String {
        if self.min == self.max {
            format!("{:.decimals$}", self.median)
        } else {
            format!(
                "{:.decimals$} ({:.decimals$}–{:.decimals$})",
                self.median, self.min, self.max
            )
        }
    }
}

/// [`Spread::show`], or `–` for a measurement that was not taken.
pub fn show(s: Option<Spread>, decimals: usize) -> String {
    s.map_or("–".into(), |s| s.show(decimals))
}

/// The index of the median value: the run whose other numbers stand for all of them. For an
/// even count, the lower of the middle two (the slower run, when the values are rates).
pub fn median_index(values: &[f64]) -> Option<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    order.get(values.len().checked_sub(1)? / 2).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_range_of_odd_and_even_unsorted_counts() {
        let odd = Spread::of([0.49, 0.41, 0.45]).unwrap();
        assert_eq!((odd.median, odd.min, odd.max), (0.45, 0.41, 0.49));
        assert_eq!(odd.show(2), "0.45 (0.41–0.49)");
        let even = Spread::of([4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!((even.median, even.min, even.max), (2.5, 1.0, 4.0));
        let one = Spread::of([7.0]).unwrap();
        assert_eq!(one.show(1), "7.0");
        assert_eq!(Spread::of([]), None);
        assert_eq!(show(None, 2), "–");
    }

    #[test]
    fn median_index_picks_the_middle_run_or_the_lower_of_two() {
        assert_eq!(median_index(&[30.0, 10.0, 20.0]), Some(2));
        assert_eq!(median_index(&[40.0, 10.0, 30.0, 20.0]), Some(3));
        assert_eq!(median_index(&[5.0]), Some(0));
        assert_eq!(median_index(&[]), None);
    }
}
