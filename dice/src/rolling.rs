//! Rolling a parsed [`Expression`].

use crate::eval::Evaluator;
use crate::render::render_roll;
use crate::result::{collect, crit_of};
use crate::source::{FaceSource, RngFaces};
use crate::{DiceError, DiceLimits, Expression, Roll};

impl Expression {
    /// Rolls this expression with faces drawn from `rng`. See [`crate::roll`].
    ///
    /// # Errors
    /// The rolling errors of [`crate::roll`].
    pub fn roll<R: rand::RngCore + ?Sized>(
        &self,
        rng: &mut R,
        limits: &DiceLimits,
    ) -> Result<Roll, DiceError> {
        self.roll_with(&mut RngFaces(rng), limits)
    }

    /// Rolls this expression with faces from `source`. See [`crate::roll_with`].
    ///
    /// # Errors
    /// The rolling errors of [`crate::roll`].
    pub fn roll_with<S: FaceSource + ?Sized>(
        &self,
        source: &mut S,
        limits: &DiceLimits,
    ) -> Result<Roll, DiceError> {
        let mut evaluator = Evaluator { source, limits, rolled: 0 };
        let value = evaluator.eval(&self.root)?;
        let total = value.total()?;
        let mut dice = Vec::new();
        let mut annotations = Vec::new();
        collect(&value, None, true, &mut dice, &mut annotations);
        Ok(Roll {
            expression: self.to_string(),
            total,
            rendered: render_roll(&value, total),
            dice,
            crit: crit_of(&value),
            annotations,
            dice_rolled: evaluator.rolled,
        })
    }
}
