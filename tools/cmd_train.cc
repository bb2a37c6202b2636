// `sgc train`: fit a model (by default the linear head on propagated
// features), report accuracy and times; --save writes it for `sgc predict`,
// --verify checks the propagated features against the operator's definition.
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include "cli_common.h"
#include "commands.h"
#include "dist_cli.h"
#include "sgc/error.h"
#include "sgc/model/model_file.h"
#include "sgc/util/atomic_file.h"
#include "sgc/util/memory.h"
#include "sgc/util/threads.h"
#include "sgc/util/timer.h"

namespace sgc_cli {

namespace {

struct TrainFlags {
  std::string save;
  bool verify = false;
  bool baseline = false, no_baseline = false;  // default: only on the small CSBM demo graph
  DistFlags dist;                // under mpirun (dist_cli.h)
};

int run_train(const CommonFlags& f, const TrainFlags& t) {
  if (distributed_run(t.dist)) return run_train_distributed(f, t.dist, t.save, t.verify);
  refuse_partition_flag(t.dist, false);
  sgc::Timer total;
  if (!t.save.empty()) sgc::check_output_path(t.save, "--save", data_inputs(f));  // before the work, not after
  Job job = prepare_job(f);
  const sgc::Config& config = job.preset.config;
  const int64_t products = sgc::planned_sparse_products(config.op);
  require_operator_products(f, config.op);  // the cap, before any work
  if (t.verify) sgc::require_verifier(config);

  // What propagation adds: the same model at K = 0 (a second training run: by
  // default only on the small CSBM demo graph, else when asked).
  std::optional<sgc::Evaluation> base;
  const bool want_base = t.baseline || (!t.no_baseline && job.preset.baseline);
  if (want_base && !(config.op.def == &sgc::default_operator() && config.op.k == 0)) {
    sgc::Config none = config;
    none.op.def = &sgc::default_operator();
    none.op.k = 0;
    // A model that needs K >= 1 (tsc) has no K = 0 run: asked for, that is
    // an error naming --baseline; by default the demo goes without it.
    bool runs_at_k0 = true;
    try {
      sgc::validate_config(none);
    } catch (const sgc::ArgumentError& e) {
      if (t.baseline) throw sgc::ArgumentError(std::string("--baseline: the same model at K = 0 cannot run (") +
                                               e.what() + ")");
      runs_at_k0 = false;
    }
    if (runs_at_k0) {
      const std::unique_ptr<sgc::Model> m = sgc::make_model(none);
      m->prepare(job.data, none);
      base = m->fit(none);
    }
  }
  std::optional<sgc::Dataset> kept;  // the verifier needs the graph after the model took it
  if (t.verify) kept = job.data;
  const std::unique_ptr<sgc::Model> model = sgc::make_model(config);
  model->prepare(std::move(job.data), config, &job.times);
  const sgc::Evaluation ev = model->fit(config, &job.times);

  std::optional<sgc::VerifyReport> verified;
  if (t.verify) {
    verified = model->verify(std::move(*kept), config);
  }
  if (!t.save.empty()) {
    sgc::save_model(t.save, config, *model, training_record(job, f, ev));
  }

  if (f.json) {
    json out = config_json(job, f);
    out["sparse_products"] = products;
    out["accuracy"] = {{"train", ev.train_acc}, {"val", ev.val_acc}, {"test", ev.test_acc}};
    out["macro_f1"] = {{"val", ev.val_macro_f1}, {"test", ev.test_macro_f1}};
    out["final_train_loss"] = ev.final_loss;
    if (ev.epoch >= 0) out["epoch"] = ev.epoch;  // the checkpoint kept
    // Not a model-selection result: for comparison with papers that report it.
    if (ev.best_test_over_epochs >= 0) out["best_test_over_epochs"] = ev.best_test_over_epochs;
    if (base) out["baseline_k0"] = {{"train", base->train_acc}, {"val", base->val_acc}, {"test", base->test_acc}};
    if (verified)
      out["verify"] = {{"max_relative_error", verified->max_relative_error},
                       {"rows", verified->rows},
                       {"columns", verified->columns},
                       {"tolerance", verified->tolerance},
                       {"passed", verified->passed()}};
    out["seconds"] = seconds_json(job, total.seconds());
    out["peak_rss_bytes"] = sgc::peak_rss_bytes();
    out["column_blocks"] = job.times.column_blocks;  // > 1: propagated a block of columns at a time (ops/out_of_core.h)
    if (job.times.stored_16bit >= 0) out["stored_16bit"] = job.times.stored_16bit;  // matrices kept in 16 bits
    std::cout << out.dump(2) << "\n";
  } else {
    print_job_header(job, products);
    std::printf("val accuracy %s, test accuracy %s (micro-F1; macro-F1 %s)", accuracy_text(ev.val_acc).c_str(),
                accuracy_text(ev.test_acc).c_str(), accuracy_text(ev.test_macro_f1).c_str());
    if (base) std::printf("  (same model at K=0: test %s)", accuracy_text(base->test_acc).c_str());
    if (ev.epoch >= 0)
      std::printf("\nepoch kept %d; best test accuracy over all epochs %.4f (not a model-selection result)", ev.epoch,
                  ev.best_test_over_epochs);
    std::printf("\ntime: load %.4fs normalize %.4fs propagate %.4fs train %.4fs evaluate %.4fs\n", job.times.load,
                job.times.normalize, job.times.propagate, job.times.train, job.times.evaluate);
    if (job.times.column_blocks > 1)
      std::printf("propagated a block of columns at a time: %lld blocks (sparse features, or within --memory-limit)\n",
                  (long long)job.times.column_blocks);
    if (config.op.precision != sgc::Precision::Fp32 && job.times.stored_16bit == 0)
      std::printf("--precision %s stored nothing in 16 bits here: the hops before the last stayed sparse and the "
                  "last is fp32, so this is the fp32 run\n",
                  sgc::to_string(config.op.precision).c_str());
    if (verified)
      std::printf("verify: %lld rows x %lld columns against a double-precision reference: largest relative error "
                  "%.3g (tolerance %g)\n",
                  (long long)verified->rows, (long long)verified->columns, verified->max_relative_error,
                  verified->tolerance);
  }
  if (verified && !verified->passed())
    throw sgc::Error("--verify: what the model computed differs from the double-precision reference by " +
                     std::to_string(verified->max_relative_error) + " (relative), above " +
                     std::to_string(verified->tolerance));
  return 0;
}

}  // namespace

Subcommand add_train_command(CLI::App& app) {
  auto flags = std::make_shared<CommonFlags>();
  auto train = std::make_shared<TrainFlags>();
  auto* cmd = app.add_subcommand("train", "propagate features, train the model, report accuracy");
  add_common_flags(*cmd, *flags);
  cmd->add_option("--save", train->save, "write the trained model to this file (for `sgc predict`)")->check(kNonEmptyPath);
  cmd->add_flag("--verify", train->verify,
                "recompute in double precision from the definitions what the model computed (linear: sampled "
                "columns of the propagated rows; tsc: H_L, and the scores with --inference expected; acm: Z_K) and fail if the largest "
                "relative error exceeds 1e-4 (fp32; bf16 2e-2, fp16 5e-3)");
  CLI::Option* baseline = cmd->add_flag(
      "--baseline", train->baseline, "also train the same model at K = 0 and report it (default: on for the CSBM demo graph only)");
  cmd->add_flag("--no-baseline", train->no_baseline, "no K = 0 run, also on the CSBM demo graph")->excludes(baseline);
  add_dist_flags(*cmd, train->dist);
  return {cmd, [flags, train] { return run_train(*flags, *train); }};
}

}  // namespace sgc_cli
