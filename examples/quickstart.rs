//! Quickstart (paper, Figures 7–8): a user ConvNet whose convolutions are `Slot`s; the kernel
//! size of each is searched over {NC3, NC5, NC7} by random search, training every candidate
//! from scratch on the embedded sklearn digits.
//!
//! ```text
//! cargo run --release --example quickstart
//! ```

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};
use modnas::estim::data::load_data;
use modnas::estim::{
    build_estim, EstimError, ImageClsTrainer, SearchContext, Trial, TrialObserver,
};
use modnas::metrics::build_metric;
use modnas::optim::build_optim;
use modnas::prelude::*;

/// The user's model: three convolutions replaced by slots, pooling and a linear head.
#[derive(Module, Debug)]
struct ConvNet {
    convs: Vec<Slot>,
    head: Linear,
}

impl ConvNet {
    fn new(classes: usize, device: &Device) -> Self {
        Self {
            // was: Conv2d(1→16, stride 1), Conv2d(16→32, stride 2), Conv2d(32→32, stride 1)
            convs: vec![
                Slot::new(1, 16, 1),
                Slot::new(16, 32, 2),
                Slot::new(32, 32, 1),
            ],
            head: LinearConfig::new(32, classes).init(device),
        }
    }
}

impl NasModule for ConvNet {
    type Input = Tensor<4>;
    type Output = Tensor<2>;
    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let x = self.convs.iter().fold(x, |x, slot| slot.forward(x));
        let [n, c, _, _] = x.dims();
        self.head.forward(x.mean_dim(3).mean_dim(2).reshape([n, c]))
    }
    fn cost(&self, input: &[usize]) -> Cost {
        let body = Slot::chain_cost(&self.convs, input);
        let [d_in, d_out] = self.head.weight.dims();
        body.then(Cost::new(
            (input[0] * d_in * d_out) as u64,
            vec![input[0], d_out],
        ))
    }
}

/// Prints each trial as it arrives.
struct Printer;

impl TrialObserver for Printer {
    fn on_trial(&mut self, t: &Trial) -> Result<(), EstimError> {
        println!(
            "trial {}: {}  acc={:.4}  flops={}",
            t.index,
            t.arch.summary(),
            t.metrics["acc"],
            t.metrics["flops"]
        );
        Ok(())
    }
}

fn main() -> anyhow::Result<()> {
    let start = std::time::Instant::now();
    let device = Device::default().autodiff();
    let seed = 0;
    let data = load_data("Digits", &toml::Table::new(), seed)?;
    let candidates = CandidateSets::uniform(["NC3", "NC5", "NC7"]);
    let classes = data.train.classes;
    // A fresh network per trial, its slots filled as the trial's architecture chooses.
    let builder = |arch: &ArchDesc| -> Result<Constructed<NetBox>, EstimError> {
        let net = NetBox::new("", ConvNet::new(classes, &device));
        Ok(construct_as(net, &candidates, arch, &device)?)
    };
    let space = builder(&ArchDesc::new())?.space;
    let mut optim = build_optim("RandomSearchOptim", &space, &toml::Table::new(), seed)?;
    let mut estim =
        build_estim("SubNetEstim", &toml::from_str("epochs = 4\ntrials = 8")?)?.into_trials()?;
    let trainer = ImageClsTrainer::from_args(&toml::from_str("optimizer = \"adam\"\nlr = 0.01")?)?;
    let metrics = vec![
        build_metric("ParamCountMetric", &toml::Table::new())?,
        build_metric("FlopsMetric", &toml::Table::new())?,
    ];
    let mut printer = Printer;
    let mut ctx = SearchContext {
        space: &space,
        builder: &builder,
        optim: optim.as_mut(),
        data: &data,
        trainer: &trainer,
        metrics: &metrics,
        device: &device,
        seed,
        observer: &mut printer,
        replay: &[],
        run_dir: None,
        run_config: None,
        dispatch: None,
        pruning: None,
    };
    let outcome = estim.run(&mut ctx)?;
    let best = outcome.best.expect("at least one trial");
    println!("best arch: {}", best.arch.summary());
    println!(
        "best accuracy: {:.4} ({} trials in {:.1}s)",
        best.metrics["acc"],
        outcome.trials,
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
