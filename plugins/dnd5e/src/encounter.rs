//! Encounter-building arithmetic of D&D 5e, pure and host-free.
//!
//! The tables are the standard 5e ones (Dungeon Master's Guide, "Creating a Combat
//! Encounter"): XP thresholds by character level, the encounter multiplier by number of
//! monsters (shifted one step up for parties of fewer than three characters and one step
//! down for six or more), and XP by challenge rating (as in the SRD 5.1's stat blocks).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How hard an encounter is meant to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Difficulty {
    /// Below the party's easy threshold.
    Trivial,
    /// Easy.
    Easy,
    /// Medium.
    Medium,
    /// Hard.
    Hard,
    /// Deadly.
    Deadly,
}

/// XP thresholds by character level 1-20: easy, medium, hard, deadly.
const THRESHOLDS: [[u32; 4]; 20] = [
    [25, 50, 75, 100],
    [50, 100, 150, 200],
    [75, 150, 225, 400],
    [125, 250, 375, 500],
    [250, 500, 750, 1100],
    [300, 600, 900, 1400],
    [350, 750, 1100, 1700],
    [450, 900, 1400, 2100],
    [550, 1100, 1600, 2400],
    [600, 1200, 1900, 2800],
    [800, 1600, 2400, 3600],
    [1000, 2000, 3000, 4500],
    [1100, 2200, 3400, 5100],
    [1250, 2500, 3800, 5700],
    [1400, 2800, 4300, 6400],
    [1600, 3200, 4800, 7200],
    [2000, 3900, 5900, 8800],
    [2100, 4200, 6300, 9500],
    [2400, 4900, 7300, 10900],
    [2800, 5700, 8500, 12700],
];

/// Challenge ratings and their XP.
pub const CR_XP: [(f64, u32); 34] = [
    (0.0, 10),
    (0.125, 25),
    (0.25, 50),
    (0.5, 100),
    (1.0, 200),
    (2.0, 450),
    (3.0, 700),
    (4.0, 1100),
    (5.0, 1800),
    (6.0, 2300),
    (7.0, 2900),
    (8.0, 3900),
    (9.0, 5000),
    (10.0, 5900),
    (11.0, 7200),
    (12.0, 8400),
    (13.0, 10000),
    (14.0, 11500),
    (15.0, 13000),
    (16.0, 15000),
    (17.0, 18000),
    (18.0, 20000),
    (19.0, 22000),
    (20.0, 25000),
    (21.0, 33000),
    (22.0, 41000),
    (23.0, 50000),
    (24.0, 62000),
    (25.0, 75000),
    (26.0, 90000),
    (27.0, 105000),
    (28.0, 120000),
    (29.0, 135000),
    (30.0, 155000),
];

/// The multipliers in order; a party of 3-5 uses indexes 1-6.
const MULTIPLIERS: [f64; 8] = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0];

/// Easy, medium, hard and deadly XP thresholds of one character, or `None` outside 1-20.
pub fn character_thresholds(level: u8) -> Option<[u32; 4]> {
    THRESHOLDS.get(usize::from(level).checked_sub(1)?).copied()
}

/// The party's thresholds: the sum of its characters' (levels must be 1-20).
pub fn party_thresholds(levels: &[u8]) -> [u32; 4] {
    levels.iter().filter_map(|&l| character_thresholds(l)).fold([0; 4], |mut sum, t| {
        sum.iter_mut().zip(t).for_each(|(s, v)| *s += v);
        sum
    })
}

/// XP of a challenge rating, `None` when it is not one of the 5e ratings.
pub fn xp_for_cr(cr: f64) -> Option<u32> {
    CR_XP.iter().find(|(c, _)| (c - cr).abs() < 1e-6).map(|&(_, xp)| xp)
}

/// A challenge rating as printed: `1/8`, `1/4`, `1/2`, `3`.
pub fn cr_label(cr: f64) -> String {
    match cr {
        c if (c - 0.125).abs() < 1e-6 => "1/8".into(),
        c if (c - 0.25).abs() < 1e-6 => "1/4".into(),
        c if (c - 0.5).abs() < 1e-6 => "1/2".into(),
        c if c.fract() == 0.0 => format!("{c:.0}"),
        c => format!("{c}"),
    }
}

/// The encounter multiplier for `monsters` monsters against a party of `party_size`.
pub fn multiplier(monsters: u32, party_size: usize) -> f64 {
    let base = match monsters {
        0 | 1 => 1,
        2 => 2,
        3..=6 => 3,
        7..=10 => 4,
        11..=14 => 5,
        _ => 6,
    };
    let index = match party_size {
        0..=2 => base + 1,
        3..=5 => base,
        _ => base - 1,
    };
    MULTIPLIERS[index]
}

/// The difficulty an adjusted XP total has against the party's thresholds.
pub fn rate(adjusted_xp: u32, thresholds: [u32; 4]) -> Difficulty {
    match thresholds.iter().rposition(|&t| adjusted_xp >= t) {
        None => Difficulty::Trivial,
        Some(0) => Difficulty::Easy,
        Some(1) => Difficulty::Medium,
        Some(2) => Difficulty::Hard,
        Some(_) => Difficulty::Deadly,
    }
}

/// The adjusted-XP band `[low, high)` an encounter of `difficulty` should fall in: from its
/// threshold to the next one (deadly: up to one and a half times its threshold).
pub fn budget(difficulty: Difficulty, thresholds: [u32; 4]) -> (u32, u32) {
    match difficulty {
        Difficulty::Trivial => (0, thresholds[0]),
        Difficulty::Easy => (thresholds[0], thresholds[1]),
        Difficulty::Medium => (thresholds[1], thresholds[2]),
        Difficulty::Hard => (thresholds[2], thresholds[3]),
        Difficulty::Deadly => (thresholds[3], thresholds[3] + thresholds[3] / 2),
    }
}

/// The XP of a group of monsters: the plain sum, the multiplier and the adjusted total.
pub fn adjusted_xp(group: &[(u32, u32)], party_size: usize) -> (u32, f64, u32) {
    let total: u32 = group.iter().map(|&(xp, count)| xp * count).sum();
    let count: u32 = group.iter().map(|&(_, count)| count).sum();
    let m = multiplier(count, party_size);
    (total, m, (f64::from(total) * m).round() as u32)
}

/// A shape of encounter, by challenge rating.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    /// One monster of this CR.
    Solo(f64),
    /// `count` monsters of one CR.
    Group {
        /// Challenge rating.
        cr: f64,
        /// How many.
        count: u32,
    },
    /// One leader and `minions` weaker monsters.
    Leader {
        /// The leader's CR.
        cr: f64,
        /// The minions' CR.
        minion_cr: f64,
        /// How many minions.
        minions: u32,
    },
}

impl Shape {
    /// The monsters as (CR, count) pairs.
    pub fn parts(self) -> Vec<(f64, u32)> {
        match self {
            Shape::Solo(cr) => vec![(cr, 1)],
            Shape::Group { cr, count } => vec![(cr, count)],
            Shape::Leader { cr, minion_cr, minions } => vec![(cr, 1), (minion_cr, minions)],
        }
    }
}

/// Encounter shapes whose adjusted XP falls in `band` for a party of `party_size`, best
/// first: for each form (a leader with minions, a group, a solo monster) the strongest
/// monsters that fit, then weaker ones as fallbacks when no monster of that CR is at hand.
pub fn shapes(band: (u32, u32), party_size: usize) -> Vec<Shape> {
    let fits = |group: &[(u32, u32)]| {
        let (_, _, adjusted) = adjusted_xp(group, party_size);
        adjusted >= band.0 && adjusted < band.1
    };
    let mut leaders = Vec::new();
    let mut groups = Vec::new();
    let mut solos = Vec::new();
    for &(cr, xp) in CR_XP.iter().rev() {
        if fits(&[(xp, 1)]) {
            solos.push(Shape::Solo(cr));
        }
        for count in [2, 3, 4, 5, 6, 8] {
            if fits(&[(xp, count)]) {
                groups.push(Shape::Group { cr, count });
                break;
            }
        }
        for minions in [2, 3, 4] {
            // Minions worth at most a quarter of the leader each, at least CR 1/8.
            let minion = CR_XP
                .iter()
                .rev()
                .find(|&&(mcr, mxp)| mcr > 0.0 && mxp * 4 <= xp && fits(&[(xp, 1), (mxp, minions)]));
            if let Some(&(minion_cr, _)) = minion {
                leaders.push(Shape::Leader { cr, minion_cr, minions });
                break;
            }
        }
    }
    let mut out = Vec::new();
    for i in 0..3 {
        for list in [&leaders, &groups, &solos] {
            out.extend(list.get(i).copied());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_follow_the_table() {
        assert_eq!(character_thresholds(1), Some([25, 50, 75, 100]));
        assert_eq!(character_thresholds(5), Some([250, 500, 750, 1100]));
        assert_eq!(character_thresholds(20), Some([2800, 5700, 8500, 12700]));
        assert_eq!(character_thresholds(0), None);
        assert_eq!(character_thresholds(21), None);
        // The DMG's example: a party of three 3rd-level and one 2nd-level character has a
        // hard threshold of 225 * 3 + 150 = 825.
        assert_eq!(party_thresholds(&[3, 3, 3, 2])[2], 825);
    }

    #[test]
    fn multipliers_shift_with_party_size() {
        let four: Vec<f64> = [1, 2, 3, 6, 7, 10, 11, 14, 15, 30].iter().map(|&n| multiplier(n, 4)).collect();
        assert_eq!(four, [1.0, 1.5, 2.0, 2.0, 2.5, 2.5, 3.0, 3.0, 4.0, 4.0]);
        assert_eq!(multiplier(1, 2), 1.5);
        assert_eq!(multiplier(15, 1), 5.0);
        assert_eq!(multiplier(1, 6), 0.5);
        assert_eq!(multiplier(3, 7), 1.5);
    }

    #[test]
    fn cr_xp_and_labels() {
        assert_eq!(xp_for_cr(0.25), Some(50));
        assert_eq!(xp_for_cr(10.0), Some(5900));
        assert_eq!(xp_for_cr(30.0), Some(155000));
        assert_eq!(xp_for_cr(0.3), None);
        assert_eq!(
            (cr_label(0.125), cr_label(0.5), cr_label(17.0)),
            ("1/8".into(), "1/2".into(), "17".into())
        );
    }

    #[test]
    fn adjusted_xp_and_rating() {
        // Four goblins (50 XP) against four characters: 200 * 2 = 400.
        assert_eq!(adjusted_xp(&[(50, 4)], 4), (200, 2.0, 400));
        let party = party_thresholds(&[1, 1, 1, 1]);
        assert_eq!(party, [100, 200, 300, 400]);
        assert_eq!(rate(400, party), Difficulty::Deadly);
        assert_eq!(rate(399, party), Difficulty::Hard);
        assert_eq!(rate(99, party), Difficulty::Trivial);
        assert_eq!(budget(Difficulty::Medium, party), (200, 300));
        assert_eq!(budget(Difficulty::Deadly, party), (400, 600));
    }

    #[test]
    fn every_shape_fits_its_band() {
        for levels in [vec![1, 1, 1, 1], vec![5, 5, 5], vec![10; 6], vec![20, 19], vec![3]] {
            let thresholds = party_thresholds(&levels);
            for difficulty in [Difficulty::Easy, Difficulty::Medium, Difficulty::Hard, Difficulty::Deadly] {
                let band = budget(difficulty, thresholds);
                let found = shapes(band, levels.len());
                assert!(!found.is_empty(), "{levels:?} {difficulty:?}");
                for shape in found {
                    let group: Vec<(u32, u32)> =
                        shape.parts().iter().map(|&(cr, n)| (xp_for_cr(cr).unwrap(), n)).collect();
                    let (_, _, adjusted) = adjusted_xp(&group, levels.len());
                    assert!(adjusted >= band.0 && adjusted < band.1, "{shape:?} {adjusted} {band:?}");
                    assert_eq!(rate(adjusted, thresholds), difficulty, "{shape:?}");
                }
            }
        }
    }
}
