//! Searches end to end on the CPU backend: the search loop, resume, failures, tables, tuning,
//! criteria, comparisons, pipelines, reports, user registrations, config errors, supernets,
//! one-shot and elastic training, and the augment step. One test binary (modules below), so
//! that Burn is linked once for all of them; the modules that register test components are
//! here, apart from `tests/components`, which checks every registered component. Every test
//! holds `common::serial()`: Burn seeds weight initialisation per device, process-wide, so a
//! test running beside another would draw from its generator and make seeded runs differ.

#[path = "../common/mod.rs"]
mod common;

mod augment;
mod callbacks;
mod compare;
mod config_errors;
mod contributing;
mod criteria;
mod elastic;
mod elastic_task;
mod failures;
mod functional;
mod hptune;
mod learner;
mod learner_task;
mod one_shot;
mod pipeline;
mod pruning;
mod registry;
mod report;
mod resume;
mod search;
mod sequence;
mod streamed;
mod supernet;
mod tabular;
mod task_resume;
mod trial_resume;
mod user_supernet;
mod user_task;
mod user_trainer;
