//! `KnowledgeDistillCriterion` (Hinton et al., 2015): the previous loss mixed with the
//! cross-entropy between the student's and a trained teacher's softened predictions,
//! `(1 − w)·loss + w·T²·CE(softmax(s/T), softmax(t/T))`. The teacher is the final model of an
//! earlier run (`teacher = "runs/big-augment"`, its `model.bpk`), run in inference mode.

use super::criterion::soft_cross_entropy;
use super::{Criterion, CriterionInput};
use crate::{register_criterion, EstimError, MODEL_FILE, MODEL_TOML};
use burn::module::Module;
use burn::tensor::activation::softmax;
use burn::tensor::{Device, Tensor};
use modnas_construct::NetBox;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// Loads the trained network of a run directory on a device (the facade's
/// `modnas::load_trained`).
pub type TeacherLoader = fn(&Path, &Device) -> Result<NetBox, String>;

static LOADER: OnceLock<TeacherLoader> = OnceLock::new();

/// Sets how teachers are loaded; the first call wins. `modnas` sets it before it builds a
/// trainer.
pub fn set_teacher_loader(loader: TeacherLoader) {
    let _ = LOADER.set(loader);
}

#[modnas_core::nas_config]
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct DistillArgs {
    /// The teacher: a run directory holding a trained `model.bpk`.
    teacher: PathBuf,
    /// The share w of the distillation term, in [0, 1].
    #[config(default = 0.5)]
    weight: f64,
    /// The softening temperature T.
    #[config(default = 4.0)]
    temperature: f64,
}

/// Distillation from a teacher's logits.
pub struct KnowledgeDistillCriterion {
    teacher_dir: PathBuf,
    weight: f64,
    temperature: f64,
    /// Loaded on first use, on the batch's device.
    teacher: Mutex<Option<NetBox>>,
}

fn invalid(reason: String) -> EstimError {
    EstimError::InvalidArgs {
        component: "KnowledgeDistillCriterion".into(),
        reason,
    }
}

impl KnowledgeDistillCriterion {
    fn teacher_logits(&self, x: Tensor<4>) -> Result<Tensor<2>, EstimError> {
        let mut slot = self
            .teacher
            .lock()
            .map_err(|_| invalid("the teacher's lock was poisoned".into()))?;
        let inner = x.inner();
        if slot.is_none() {
            let load = LOADER.get().ok_or_else(|| {
                invalid(
                    "no teacher loader: train through `modnas`, or call `set_teacher_loader`"
                        .into(),
                )
            })?;
            let net = load(&self.teacher_dir, &inner.device())
                .map_err(|e| invalid(format!("teacher {}: {e}", self.teacher_dir.display())))?;
            *slot = Some(net.valid());
        }
        let teacher = slot.as_ref().expect("loaded above");
        Ok(teacher.forward(inner))
    }
}

impl Criterion for KnowledgeDistillCriterion {
    fn loss(
        &self,
        input: &mut CriterionInput<'_>,
        prev: Option<Tensor<1>>,
    ) -> Result<Tensor<1>, EstimError> {
        let prev = prev.expect("an adjusting criterion is never first");
        let (student, _) = input.outputs();
        let t = self.temperature;
        let teacher = self.teacher_logits(input.x.clone())?;
        if teacher.dims() != student.dims() {
            return Err(invalid(format!(
                "the teacher in {} outputs {:?} for this batch, the student {:?}",
                self.teacher_dir.display(),
                teacher.dims(),
                student.dims()
            )));
        }
        let targets = Tensor::from_inner(softmax(teacher.div_scalar(t), 1));
        let soft = soft_cross_entropy(student.div_scalar(t), targets).mul_scalar(t * t);
        Ok(prev.mul_scalar(1.0 - self.weight) + soft.mul_scalar(self.weight))
    }

    fn primary(&self) -> bool {
        false
    }
}

register_criterion!(
    /// (1 − w)·loss + w·T²·CE against the softened outputs of a trained teacher run (Hinton et al.
    /// 2015)
    "KnowledgeDistillCriterion", |a: DistillArgs| {
        if !(0.0..=1.0).contains(&a.weight) {
            return Err(invalid(format!(
                "`weight` = {} must lie in [0, 1]",
                a.weight
            )));
        }
        if !(a.temperature > 0.0 && a.temperature.is_finite()) {
            return Err(invalid(format!(
                "`temperature` = {} must be positive",
                a.temperature
            )));
        }
        for file in [MODEL_FILE, MODEL_TOML] {
            if !a.teacher.join(file).is_file() {
                return Err(invalid(format!(
                    "`teacher` = {}: no `{file}` there; a teacher is the run directory of a trained model (DefaultEstim)",
                    a.teacher.display()
                )));
            }
        }
        Ok(Box::new(KnowledgeDistillCriterion {
            teacher_dir: a.teacher,
            weight: a.weight,
            temperature: a.temperature,
            teacher: Mutex::new(None),
        }))
    }
);
