//! `PICK0` … `PICK7`: the `i`-th of the inputs an [`InputChoice`](crate::InputChoice) stacks
//! along the channels (features, model dimension): channels `i·c_out .. (i+1)·c_out` of the
//! carrier. Under a mixed operator they make a weighted sum of the inputs.

use crate::{register_candidate, CandidateBox, ConstructError, Cost, NasModule, SlotSpec};
use burn::module::Module;
use burn::tensor::{Device, Tensor};

/// Channels `from .. from + width` of its input.
#[derive(Module, Debug)]
pub struct Pick {
    from: usize,
    width: usize,
}

impl NasModule for Pick {
    type Input = Tensor<4>;
    type Output = Tensor<4>;
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        x.narrow(1, self.from, self.width)
    }
    fn cost(&self, input: &[usize]) -> Cost {
        let mut output = input.to_vec();
        output[1] = self.width;
        Cost::new(0, output)
    }
}

fn pick(name: &'static str, i: usize, s: &SlotSpec) -> Result<CandidateBox, ConstructError> {
    if s.stride != 1 || s.c_out == 0 || (i + 1) * s.c_out > s.c_in {
        return Err(ConstructError::InvalidSpec(format!(
            "`{name}` picks input {i} of width {} from {} stacked channels at stride 1; got stride {}",
            s.c_out, s.c_in, s.stride
        )));
    }
    Ok(CandidateBox::new(
        name,
        Pick {
            from: i * s.c_out,
            width: s.c_out,
        },
    ))
}

macro_rules! picks {
    ($(($name:literal, $f:ident, $i:literal)),* $(,)?) => {$(
        fn $f(s: &SlotSpec, _: &Device) -> Result<CandidateBox, ConstructError> {
            pick($name, $i, s)
        }
        register_candidate!(
            #[doc = concat!("input choice: the input number ", $i, " of an InputChoice")]
            $name, $f
        );
        crate::candidate_serves!($name, [Image, Dense, Sequence]);
    )*};
}

picks!(
    ("PICK0", pick0, 0),
    ("PICK1", pick1, 1),
    ("PICK2", pick2, 2),
    ("PICK3", pick3, 3),
    ("PICK4", pick4, 4),
    ("PICK5", pick5, 5),
    ("PICK6", pick6, 6),
    ("PICK7", pick7, 7),
);
