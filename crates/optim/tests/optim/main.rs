//! Search algorithms: discrete optimizers and gradient optimizers.

mod discrete;
mod gradient;
mod repeats;
