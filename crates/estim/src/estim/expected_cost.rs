//! The expected cost of a supernet (ProxylessNAS, FBNet): the sum over its mixed slots of
//! softmax(α) · c, where c holds each candidate's cost at the slot's input shape: its median
//! latency from a table (`cost_table`), or its MACs in millions. Added to the architecture loss
//! with the weight `cost_weight`, it pulls α towards cheaper operations. It depends on α only,
//! so it is differentiable in α and leaves the weights' gradients alone.

use crate::EstimError;
use burn::tensor::activation::softmax;
use burn::tensor::{Device, Tensor, TensorData};
use modnas_construct::{build_candidate, MixedHandle, SlotProbe, ARCH_PARAM_KEY};
use modnas_metrics::LatencyTable;
use modnas_param_space::TensorParam;
use std::collections::HashMap;
use std::path::Path;

/// Σ softmax(α)·c over a supernet's mixed slots.
pub struct ExpectedCost {
    /// Per slot: the α it reads and the cost of each candidate.
    terms: Vec<(TensorParam, Vec<f32>)>,
    /// The weight of the cost in the architecture loss.
    pub weight: f64,
}

fn cost_error(reason: String) -> EstimError {
    EstimError::InvalidArgs {
        component: "SuperNetEstim".into(),
        reason,
    }
}

impl ExpectedCost {
    /// The expected cost of the slots in `probes` (a cost traversal of the supernet), whose α
    /// live in `handles`: candidate latencies from `table` when given (milliseconds), else
    /// candidate MACs in millions, built on `device`.
    pub fn new(
        probes: &[SlotProbe],
        handles: &[MixedHandle],
        table: Option<(&LatencyTable, &Path)>,
        device: &Device,
        weight: f64,
    ) -> Result<Self, EstimError> {
        let mut terms = vec![];
        // Cells repeat the same slot shapes: each candidate is built once per shape.
        let mut macs: HashMap<(String, usize, usize, usize, Vec<usize>), f32> = HashMap::new();
        for p in probes {
            let param = p
                .spec
                .extra
                .get(ARCH_PARAM_KEY)
                .and_then(|v| v.as_str())
                .unwrap_or(&p.key);
            let Some(handle) = handles.iter().find(|h| h.param_name() == param) else {
                continue;
            };
            let Some(alpha) = handle.alpha() else {
                continue;
            };
            let input = match p.input.as_slice() {
                [_, c, h, w] => [*c, *h, *w],
                other => {
                    return Err(cost_error(format!(
                        "slot `{}` takes input {other:?}",
                        p.key
                    )))
                }
            };
            let costs = handle
                .candidates()
                .iter()
                .map(|op| match table {
                    Some((t, path)) => t
                        .find(op, &p.spec, input)
                        .map(|e| e.median_ms as f32)
                        .ok_or_else(|| {
                            cost_error(format!(
                                "`cost_table` {} has no entry for `{op}` (c_in {}, c_out {}, stride {}) at input {input:?} of slot `{}`",
                                path.display(),
                                p.spec.c_in,
                                p.spec.c_out,
                                p.spec.stride,
                                p.key
                            ))
                        }),
                    None => {
                        let key = (op.clone(), p.spec.c_in, p.spec.c_out, p.spec.stride, p.input.clone());
                        if let Some(m) = macs.get(&key) {
                            return Ok(*m);
                        }
                        let m = build_candidate(op, &p.spec, device)?.cost(&p.input).macs as f32 / 1e6;
                        macs.insert(key, m);
                        Ok(m)
                    }
                })
                .collect::<Result<Vec<f32>, EstimError>>()?;
            terms.push((alpha.clone(), costs));
        }
        Ok(Self { terms, weight })
    }

    /// Σ softmax(α)·c as a one-element tensor, tracked through α on an autodiff device.
    pub fn value(&self) -> Option<Tensor<1>> {
        self.terms
            .iter()
            .map(|(alpha, costs)| {
                let a = alpha.value();
                let c = Tensor::<1>::from_data(
                    TensorData::new(costs.clone(), [costs.len()]),
                    &a.device(),
                );
                (softmax(a, 0) * c).sum()
            })
            .reduce(|x, y| x + y)
    }

    /// The expected cost on the host (no gradient).
    pub fn current(&self) -> f64 {
        self.value()
            .map_or(0.0, |v| v.detach().into_scalar::<f64>())
    }

    /// The weighted cost term of the architecture loss (`None` when the weight is 0 or no slot
    /// has α).
    pub fn loss(&self) -> Option<Tensor<1>> {
        (self.weight > 0.0)
            .then(|| self.value())
            .flatten()
            .map(|v| v.mul_scalar(self.weight))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use modnas_construct::{construct, probe_slots, CandidateSets, DAGLayer, DagOutput};

    #[test]
    fn the_cost_gradient_pushes_alpha_towards_cheaper_operations() {
        let device = Device::default().autodiff();
        let cell = DAGLayer::new(1, 1, 4, false, DagOutput::Last, None);
        let c = construct(
            cell,
            &CandidateSets::mixed("DARTSMixedOp", ["NC3", "NC5", "IDT"]),
            &device,
        )
        .unwrap();
        let probes = probe_slots(|| {
            c.model.cost(&[vec![1, 4, 6, 6]]);
        });
        let cost =
            ExpectedCost::new(&probes, &c.mixed, None, &device.clone().inner(), 1.0).unwrap();
        // α starts near 0: the expected cost is close to the mean of the three MACs counts.
        let (nc3, nc5) = (3.0 * 3.0 * 16.0 * 36.0 / 1e6, 5.0 * 5.0 * 16.0 * 36.0 / 1e6);
        assert!(
            (cost.current() - (nc3 + nc5) / 3.0).abs() < 1e-4,
            "{}",
            cost.current()
        );
        let alpha = c.mixed[0].alpha().unwrap();
        let mut grads = cost.loss().unwrap().backward();
        let g: Vec<f32> = alpha
            .value()
            .grad_remove(&mut grads)
            .unwrap()
            .into_data()
            .try_to_vec_as()
            .unwrap();
        // d/dα_k Σ p·c = p_k (c_k − E[c]): the costly NC5 rises, the free IDT falls.
        assert!(g[1] > 0.0 && g[2] < 0.0 && g[1] > g[0], "{g:?}");
        let weightless = ExpectedCost::new(&probes, &c.mixed, None, &device.inner(), 0.0).unwrap();
        assert!(weightless.loss().is_none());
    }
}
