#include "dist_cli.h"

#include "commands.h"

#include <cstdio>
#include <iostream>
#include <memory>

#include "sgc/error.h"
#include "sgc/model/linear_model.h"
#include "sgc/model/model_file.h"
#include "sgc/util/atomic_file.h"
#include "sgc/util/interrupt.h"
#include "sgc/util/memory.h"
#include "sgc/util/threads.h"
#include "sgc/util/timer.h"

#if SGC_WITH_MPI
#include "sgc/dist/dist_job.h"
#include "sgc/dist/dist_train.h"
#include "sgc/dist/part_file.h"
#include "sgc/dist/powerlaw_part.h"
#include "sgc/dist/rank_part.h"
#endif

namespace sgc_cli {

void add_dist_flags(CLI::App& cmd, DistFlags& f) {
  cmd.add_option("--partition", f.partition,
                 "under mpirun: how nodes are split among ranks, contiguous (blocks balanced by non-zeros) or metis")
      ->check(CLI::IsMember({"contiguous", "metis"}))
      ->each([&f](const std::string&) { f.partition_given = true; });
  cmd.add_option("--partitioned", f.partitioned, "under mpirun: read each rank's part from this directory")
      ->check(kNonEmptyPath);
}

void refuse_partition_flag(const DistFlags& f, bool distributed) {
  if (!f.partition_given) return;
  if (!distributed)
    throw sgc::ArgumentError("--partition: splits the graph among the ranks of an mpirun run; this is one process");
  if (!f.partitioned.empty())
    throw sgc::ArgumentError("--partition: the parts in " + f.partitioned +
                             " were split when written (sgc partition --method chooses how)");
}

namespace {
std::string& command_line() {
  static std::string line;
  return line;
}
}  // namespace

void set_command_line(int argc, char** argv) {
  std::string& line = command_line();
  line.clear();
  for (int i = 1; i < argc; ++i) line += std::string(argv[i]) + '\0';
}

#if SGC_WITH_MPI

bool distributed_run(const DistFlags& f) { return sgc::dist::launched_by_mpirun() || !f.partitioned.empty(); }

void together(const sgc::dist::Comm& comm, const std::function<void()>& fn) {
  std::string error;
  try {
    fn();
  } catch (const sgc::Interrupted&) {
    throw;
  } catch (const sgc::Error& e) {
    error = e.what();
  }
  sgc::dist::agree_or_throw(comm, error);
}

bool generated_by_rank(const DataFlags& f, const DistFlags& d) {
  return f.dataset.empty() && d.partitioned.empty() && f.synthetic.generator == "powerlaw" && d.partition == "contiguous";
}

namespace {

int train(const CommonFlags& f, const DistFlags& d, const std::string& save, bool verify,
          const sgc::dist::Comm& comm) {
  sgc::Timer total;
  together(comm, [&] {
    refuse_partition_flag(d, true);
    if (verify) throw sgc::ArgumentError("--verify: not available in a distributed run (run it in one process)");
    if (!save.empty() && comm.rank() == 0) sgc::check_output_path(save, "--save", data_inputs(f));
  });
  Job job;
  sgc::dist::LocalData local;
  sgc::Timer timer;
  std::string method = d.partition;
  int pm_split = -1;  // the split partitioned parts hold
  // A job whose data set only its identity names (presets apply): each rank holds only its part.
  auto identity_job = [&](const std::string& family, const std::string& name, int64_t nodes, int64_t features,
                          int32_t classes) {
    sgc::Dataset identity;
    identity.family = family;
    identity.name = name;
    const sgc::OperatorDef& op = sgc::find_operator(f.op.value_or(std::string(sgc::default_operator().name)));
    check_params_read(f, {&op});
    if (f.threads > 0) sgc::set_num_threads(f.threads);
    job.family = family;
    job.name = name;
    job.nodes = nodes;
    job.features = features;
    job.classes = classes;
    job.preset = configured(f, identity, op);
  };
  auto check_linear = [&] {
    sgc::dist::require_distributed_optimizer(job.preset.config.train);
    if (job.preset.config.model != &sgc::default_model())
      throw sgc::ArgumentError("--model: distributed runs train the linear model only");
    if (!job.preset.config.model_params.bias)
      throw sgc::ArgumentError("--bias none: distributed runs fit the intercept (run without mpirun)");
    require_operator_products(f, job.preset.config.op);
  };
  if (!d.partitioned.empty()) {
    // Each rank reads only its part; the manifest names the data set (its presets apply).
    const sgc::dist::PartManifest pm = read_partitioned_manifest(comm, f, d.partitioned);
    together(comm, [&] {
      identity_job(pm.family, pm.dataset, pm.nodes, pm.features, pm.classes);
      check_linear();
    });
    method = pm.method;
    pm_split = pm.split;
    timer.reset();
    local = sgc::dist::read_part(comm, d.partitioned, job.preset.config);
    job.times.load = timer.seconds();
  } else if (generated_by_rank(f, d)) {
    // Each rank draws only its rows of the Reddit-shaped graph.
    const sgc::PowerLawOptions o = sgc::powerlaw_options(f.synthetic.params, f.seed);
    together(comm, [&] {
      identity_job("synthetic", "powerlaw", o.nodes, o.features, o.classes);
      check_linear();
    });
    timer.reset();
    sgc::dist::GeneratedPart gen = sgc::dist::generate_powerlaw_part(comm, o);
    job.times.load = timer.seconds();
    timer.reset();
    local = sgc::dist::local_data(comm, std::move(gen.part), job.preset.config, job.name, gen.cut, "--generator powerlaw");
    job.times.normalize = timer.seconds();
  } else {
    together(comm, [&] {
      job = prepare_job(f);
      check_linear();
    });
    timer.reset();
    local = sgc::dist::distribute(comm, std::move(job.data), job.preset.config,
                                  sgc::dist::parse_partition_method(d.partition));
    job.times.normalize += timer.seconds();
  }
  const sgc::Config& config = job.preset.config;
  const int64_t cut = local.cut, nodes = local.nodes;
  const sgc::ZScoreStats stats = local.feature_stats;
  const sgc::dist::DistOutcome out = sgc::dist::run_distributed(comm, std::move(local), config, &job.times);
  const int64_t halo = comm.sum(out.halo_rows);
  const sgc::Evaluation& ev = out.eval;
  if (!save.empty() && comm.rank() == 0) {
    sgc::LinearModel model;
    sgc::ModelState st;
    st.header = {{"dim", out.model.dim}, {"classes", out.model.classes}};
    if (!stats.mean.empty()) {
      st.header["zscore_mean"] = stats.mean;
      st.header["zscore_std"] = stats.std;
    }
    st.weights.assign(out.model.theta.data(), out.model.theta.data() + out.model.theta.size());
    model.set_state(st, config);
    json training = training_record(job, f, ev);
    training["ranks"] = comm.size();
    if (pm_split >= 0) training["split"] = pm_split;  // the parts' own
    sgc::save_model(save, config, model, training);
  }
  if (comm.rank() != 0) return 0;
  if (f.json) {
    json j = config_json(job, f);
    j["ranks"] = comm.size();
    j["partition"] = {{"method", method}, {"cut_nonzeros", cut}, {"halo_rows", halo}};
    j["sparse_products"] = sgc::planned_sparse_products(config.op);
    j["accuracy"] = {{"train", ev.train_acc}, {"val", ev.val_acc}, {"test", ev.test_acc}};
    j["macro_f1"] = {{"val", ev.val_macro_f1}, {"test", ev.test_macro_f1}};
    j["final_train_loss"] = ev.final_loss;
    j["seconds"] = seconds_json(job, total.seconds());
    j["peak_rss_bytes_rank0"] = sgc::peak_rss_bytes();
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  print_job_header(job, sgc::planned_sparse_products(config.op));
  std::printf("distributed: %d ranks, %s partition of %lld nodes, %lld halo rows received per hop (all ranks "
              "together), %lld non-zeros of S cut\n",
              comm.size(), method.c_str(), (long long)nodes, (long long)halo, (long long)cut);
  std::printf("val accuracy %s, test accuracy %s (micro-F1; macro-F1 %s)\n", accuracy_text(ev.val_acc).c_str(),
              accuracy_text(ev.test_acc).c_str(), accuracy_text(ev.test_macro_f1).c_str());
  if (!d.partitioned.empty())  // each part is normalised as it is read: one figure
    std::printf("time (rank 0): read+normalize its part %.4fs propagate %.4fs train %.4fs evaluate %.4fs\n",
                job.times.load, job.times.propagate, job.times.train, job.times.evaluate);
  else
    std::printf("time (rank 0): load %.4fs normalize+partition %.4fs propagate %.4fs train %.4fs evaluate %.4fs\n",
                job.times.load, job.times.normalize, job.times.propagate, job.times.train, job.times.evaluate);
  return 0;
}

// CollectiveError unless every rank was started with rank 0's command line:
// ranks that disagree on the job would wait for each other forever or
// combine parts of different computations.
void require_one_command_line(const sgc::dist::Comm& comm) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char ch : command_line()) h = (h ^ ch) * 1099511628211ull;
  std::vector<int64_t> hashes(size_t(comm.size()), 0);
  hashes[size_t(comm.rank())] = int64_t(h);  // one rank's value per slot: the sum gathers them
  comm.sum(hashes);
  for (int r = 1; r < comm.size(); ++r)
    if (hashes[size_t(r)] != hashes[0])
      throw sgc::dist::CollectiveError("rank " + std::to_string(r) + " of " + std::to_string(comm.size()) +
                                       " was started with another command line than rank 0; every rank of a "
                                       "distributed run takes the same command and flags");
}

}  // namespace

int run_collective(const std::function<int(const sgc::dist::Comm&)>& fn) {
  static sgc::dist::MpiSession mpi(nullptr, nullptr);
  const sgc::dist::Comm comm;
  try {
    require_one_command_line(comm);
    const int rc = fn(comm);
    std::fflush(stdout);
    return rc;
  } catch (const sgc::dist::CollectiveError& e) {
    // Every rank has the same error: rank 0 reports it, all end with status 1.
    if (comm.rank() == 0) std::fprintf(stderr, "sgc: error: %s\n", e.what());
    return 1;
  } catch (const sgc::Interrupted&) {
    sgc::dist::abort_job(comm, "interrupted", 130);
  } catch (const std::exception& e) {
    // Other ranks may be inside a collective: end them all rather than wait.
    sgc::dist::abort_job(comm, e.what());
  }
}

sgc::dist::PartManifest read_partitioned_manifest(const sgc::dist::Comm& comm, const DataFlags& f,
                                                  const std::string& dir) {
  // The flags are the same on every rank, so is the refusal: one message.
  auto refuse = [&](const std::string& flag, const std::string& why) {
    throw sgc::dist::CollectiveError(flag + ": " + why + "; --partitioned " + dir + " reads the parts as sgc partition wrote them");
  };
  if (!f.dataset.empty()) refuse("--dataset", "the data set is the one partitioned");
  if (!f.data_dir.empty()) refuse("--data-dir", "the parts hold the data set");
  if (!f.feature_store.empty()) refuse("--feature-store", "give it to sgc partition: the parts hold the features");
  if (!f.ogb_split.empty()) refuse("--ogb-split", "give it to sgc partition: the parts hold the split");
  if (!f.synthetic.given.empty()) refuse(f.synthetic.given.front(), "the parts hold the graph");
  const sgc::dist::PartManifest pm = sgc::dist::read_manifest(comm, dir);
  if (f.split_given && f.split != pm.split)
    refuse("--split", pm.split < 0 ? std::string("the parts fixed their split when written")
                                   : "the parts hold split " + std::to_string(pm.split) +
                                         " (sgc partition --split N chooses it)");
  return pm;
}

int run_train_distributed(const CommonFlags& f, const DistFlags& d, const std::string& save, bool verify) {
  return run_collective([&](const sgc::dist::Comm& comm) { return train(f, d, save, verify, comm); });
}

int run_partition(const DataFlags& f, int parts, const std::string& method, const std::string& out) {
  if (parts < 1) throw sgc::ArgumentError("--parts: must be >= 1, got " + std::to_string(parts));
  if (sgc::dist::launched_by_mpirun() && f.dataset.empty() && f.synthetic.generator == "powerlaw") {
    // Each rank draws its rows and writes its part.
    return run_collective([&](const sgc::dist::Comm& comm) {
      // The same on every rank: reported once.
      if (parts != comm.size())
        sgc::dist::agree_or_throw(comm, "--parts " + std::to_string(parts) + ": under mpirun each rank writes its part; "
                                        "run mpirun -np " + std::to_string(parts));
      if (method != "contiguous")
        sgc::dist::agree_or_throw(comm, "--method " + method + ": ranks generating their parts use contiguous blocks");
      sgc::Timer timer;
      if (f.threads > 0) sgc::set_num_threads(f.threads);
      const sgc::PowerLawOptions o = sgc::powerlaw_options(f.synthetic.params, f.seed);
      const sgc::dist::GeneratedPart gen = sgc::dist::generate_powerlaw_part(comm, o);
      const double made = timer.seconds();
      timer.reset();
      sgc::dist::write_rank_parts(comm, gen.part, method, "powerlaw", "synthetic", gen.cut, out);
      if (comm.rank() == 0)
        std::printf("powerlaw: %lld nodes in %d parts (contiguous), each generated and written by its rank to %s/ "
                    "(manifest.json, part-00000.bin ...); generate %.3fs, write %.3fs\n",
                    (long long)o.nodes, parts, out.c_str(), made, timer.seconds());
      return 0;
    });
  }

  if (sgc::dist::launched_by_mpirun()) {
    const int rc = run_collective([&](const sgc::dist::Comm& comm) {
      if (comm.size() > 1)
        throw sgc::dist::CollectiveError(
            "sgc partition: every rank would write every part; run it once, without mpirun (under mpirun only "
            "--generator powerlaw writes rank by rank, each its own part)");
      return 0;
    });
    if (rc != 0) return rc;
  }
  sgc::Timer timer;
  const sgc::Dataset data = load_data(f);
  const double load = timer.seconds();
  timer.reset();
  sgc::dist::write_partitioned(data, sgc::dist::parse_partition_method(method), parts, out, f.split);
  const std::string folder = out.back() == '/' ? out : out + "/";  // "parts/" printed "parts//"
  std::printf("%s: %lld nodes in %d parts (%s) written to %s (manifest.json, part-00000.bin ...); load %.3fs, "
              "partition and write %.3fs\n",
              data.name.c_str(), (long long)data.num_nodes(), parts, method.c_str(), folder.c_str(), load,
              timer.seconds());
  return 0;
}

#else

bool distributed_run(const DistFlags& f) { return !f.partitioned.empty(); }

bool generated_by_rank(const DataFlags&, const DistFlags&) { return false; }

int run_partition(const DataFlags&, int, const std::string&, const std::string&) {
  throw sgc::ArgumentError("partition: this sgc was built without MPI (cmake -DSGC_MPI=ON with Open MPI)");
}

int run_train_distributed(const CommonFlags&, const DistFlags&, const std::string&, bool) {
  throw sgc::ArgumentError("--partitioned: this sgc was built without MPI (cmake -DSGC_MPI=ON with Open MPI)");
}

#endif

}  // namespace sgc_cli

namespace sgc_cli {

Subcommand add_partition_command(CLI::App& app) {
  auto flags = std::make_shared<DataFlags>();
  auto parts = std::make_shared<int>(2);
  auto method = std::make_shared<std::string>("contiguous");
  auto out = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("partition", "split a data set into per-rank parts for `mpirun -np P sgc train --partitioned DIR`");
  add_data_flags(*cmd, *flags);
  cmd->add_option("--parts", *parts, "number of ranks (parts)")->required();
  cmd->add_option("--method", *method, "contiguous (blocks balanced by non-zeros) or metis")
      ->check(CLI::IsMember({"contiguous", "metis"}));
  cmd->add_option("--out", *out, "output directory (manifest.json and one part-RRRRR.bin per rank)")->required()->check(kNonEmptyPath);
  return {cmd, [flags, parts, method, out] { return run_partition(*flags, *parts, *method, *out); }};
}

}  // namespace sgc_cli
