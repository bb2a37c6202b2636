#include "cli_common.h"

#include <omp.h>

#include <sstream>

#include "sgc/data/powerlaw.h"
#include "sgc/error.h"
#include "sgc/io/load.h"
#include "sgc/ops/published.h"
#include "sgc/util/timer.h"

namespace sgc_cli {

void add_common_flags(CLI::App& app, CommonFlags& f, bool choose_operator) {
  app.add_option("--dataset", f.dataset,
                 "a name (cora, texas, amazon_cs, ...: see sgc/io/load.h) or a path to an .npz, edge list, OGB or "
                 "FastGCN Reddit folder (default: built-in synthetic graph)");
  app.add_option("--data-dir", f.data_dir, "folder with the data set's files (default: ../shared/data/<family>)");
  app.add_option("--split", f.split, "which split: heterophilous 0..9; seeded 20/30-per-class split for amazon_cs etc. (default 0)");
  if (choose_operator) {
    app.add_option("--op", f.op.op, "operator: sgc, dgc, dgc_naive, heat, ssgc, ppr, sign (default sgc)");
    app.add_option("--k", f.op.k, "propagation steps / hops K (default: the operator's published setting, else 2)");
  }
  app.add_option("--t", f.op.t, "diffusion time T of dgc, dgc_naive, heat (default: published, else 5)");
  app.add_option("--alpha", f.op.alpha, "alpha of ssgc and ppr, in (0, 1] (default: published, else 0.1)");
  app.add_option("--tol", f.op.tol, "remaining series weight at which dgc, heat, ppr stop (default 1e-6)");
  app.add_option("--norm", f.op.norm,
                 "graph normalisation: aug_norm_adj (default), norm_adj, rwalk, aug_rwalk, first_order_gcn, "
                 "low_pass, no_norm, norm_lap, lap, rwalk_lap");
  app.add_option("--self-loop", f.op.self_loop, "self-loop weight g of aug_norm_adj and aug_rwalk (default 1)");
  app.add_option("--lr", f.lr, "Adam learning rate (default: published, else 0.2)");
  app.add_option("--epochs", f.epochs, "training epochs (default: published, else 100; citeseer 150)");
  app.add_option("--weight-decay", f.weight_decay, "L2 weight decay (default: the paper's tuned value)");
  app.add_option("--feature-norm", f.feature_norm, "row | zscore | none (default: row; synthetic: none)");
  app.add_option("--seed", f.seed, "random seed (weight initialisation, synthetic graph, search)");
  app.add_option("--threads", f.threads, "OpenMP threads (default: all cores)");
  app.add_flag("--json", f.json, "print one JSON object instead of text");
  app.add_option("--optimizer", f.optimizer, "adam (default) or lbfgs (epochs = L-BFGS iterations)");
  app.add_flag("--inductive", f.inductive,
               "inductive protocol (SGC on Reddit): train rows propagated over the graph induced on the training "
               "nodes only, val/test rows over the full graph");
  add_synthetic_flags(app, f.synthetic);
}

void add_synthetic_flags(CLI::App& app, SyntheticFlags& f) {
  auto* g = app.add_option_group("synthetic graph", "used when --dataset is not given");
  g->add_option("--generator", f.generator,
                "csbm (default: contextual SBM) or powerlaw (Reddit-shaped: heavy-tailed degrees, 41 classes, 602 "
                "features, 66/10/24 split)");
  g->add_option("--nodes", f.nodes, "number of nodes");
  g->add_option("--classes", f.classes, "number of planted classes");
  g->add_option("--avg-degree", f.avg_degree, "mean degree");
  g->add_option("--homophily", f.homophily, "probability that an edge stays inside a class");
  g->add_option("--features", f.features, "feature dimension");
  g->add_option("--signal", f.signal, "norm of the class means");
  g->add_option("--noise", f.noise, "standard deviation of the feature noise");
  g->add_option("--train-per-class", f.train_per_class, "labelled training nodes per class (csbm)");
}

namespace {
// The options both generators have; unset flags keep the generator's defaults.
template <class Options>
Options with_flags(Options o, const SyntheticFlags& f, uint64_t seed) {
  o.nodes = f.nodes.value_or(o.nodes);
  o.classes = f.classes.value_or(o.classes);
  o.features = f.features.value_or(o.features);
  o.avg_degree = f.avg_degree.value_or(o.avg_degree);
  o.homophily = f.homophily.value_or(o.homophily);
  o.signal = f.signal.value_or(o.signal);
  o.noise = f.noise.value_or(o.noise);
  o.seed = seed;
  return o;
}
}  // namespace

sgc::Dataset make_synthetic(const SyntheticFlags& f, uint64_t seed) {
  if (f.generator == "csbm") {
    sgc::CsbmOptions o = with_flags(sgc::CsbmOptions{}, f, seed);
    o.train_per_class = f.train_per_class.value_or(o.train_per_class);
    return sgc::make_csbm(o);
  }
  if (f.generator == "powerlaw") {
    if (f.train_per_class) throw sgc::ArgumentError("--train-per-class: only for --generator csbm");
    return sgc::make_powerlaw(with_flags(sgc::PowerLawOptions{}, f, seed));
  }
  throw sgc::ArgumentError("--generator: unknown generator '" + f.generator + "' (expected csbm or powerlaw)");
}

Settings default_settings(const std::string& op, const std::string& dataset) {
  Settings s;
  s.config = sgc::paper_defaults(dataset);
  s.config.op.op = op;
  const bool planetoid = dataset == "cora" || dataset == "citeseer" || dataset == "pubmed";
  s.source = op == "sgc" && planetoid ? "SGC, Wu et al., ICML 2019" : "defaults";
  if (op == "sgc" && planetoid) s.published_accuracy = dataset == "cora" ? 81.0 : dataset == "citeseer" ? 71.9 : 78.9;
  if (const auto p = sgc::published_setting(op, dataset)) {
    s.config.op.k = p->op.k;
    s.config.op.t = p->op.t;
    s.config.op.alpha = p->op.alpha;
    s.config.train.lr = p->train.lr;
    s.config.train.epochs = p->train.epochs;
    s.config.train.weight_decay = p->train.weight_decay;
    s.source = p->source;
    s.published_accuracy = p->test_accuracy;
  }
  if (dataset == "csbm") s.config.feature_norm = sgc::FeatureNorm::None;  // Gaussian features can sum to ~0
  if (dataset == "powerlaw") {  // Reddit's protocol: z-scored features, inductive, L-BFGS, no weight decay
    s.config.feature_norm = sgc::FeatureNorm::ZScore;
    s.config.inductive = true;
    s.config.train.optimizer = "lbfgs";
    s.config.train.epochs = 40;
    s.config.train.weight_decay = 0;
    s.source = "SGC Reddit protocol (Wu et al., ICML 2019)";
  }
  return s;
}

void apply_flags(const CommonFlags& f, sgc::SgcConfig& c) {
  if (f.op.k) c.op.k = *f.op.k;
  if (f.op.t) c.op.t = *f.op.t;
  if (f.op.alpha) c.op.alpha = *f.op.alpha;
  if (f.op.tol) c.op.tol = *f.op.tol;
  if (f.op.norm) c.op.norm = *f.op.norm;
  if (f.op.self_loop) c.op.self_loop = *f.op.self_loop;
  if (f.lr) c.train.lr = *f.lr;
  if (f.epochs) c.train.epochs = *f.epochs;
  if (f.weight_decay) c.train.weight_decay = *f.weight_decay;
  if (f.feature_norm) c.feature_norm = sgc::parse_feature_norm(*f.feature_norm);
  if (f.optimizer) c.train.optimizer = *f.optimizer;
  c.inductive = c.inductive || f.inductive;
  c.train.seed = f.seed;
}

Job prepare_job(const CommonFlags& f) {
  if (f.threads < 0) throw sgc::ArgumentError("--threads: must be >= 0");
  if (f.threads > 0) omp_set_num_threads(f.threads);
  const std::string op = f.op.op.value_or("sgc");
  {  // a bad --op is reported before any data is read
    sgc::OperatorSpec probe;
    probe.op = op;
    sgc::validate_operator(probe);
  }
  Job job;
  sgc::Timer timer;
  if (f.dataset.empty()) {
    job.data = make_synthetic(f.synthetic, f.seed);
  } else {
    sgc::LoadOptions load;
    load.dir = f.data_dir;
    load.split = f.split;
    job.data = sgc::load_dataset(f.dataset, load);
  }
  job.times.load = timer.seconds();
  job.name = job.data.name;
  job.nodes = job.data.num_nodes();
  job.features = job.data.num_features();
  job.classes = job.data.num_classes;
  job.settings = default_settings(op, f.dataset.empty() ? job.data.name : f.dataset);
  apply_flags(f, job.settings.config);
  sgc::validate_operator(job.settings.config.op);
  sgc::validate_train_options(job.settings.config.train);
  return job;
}

json operator_json(const sgc::OperatorSpec& spec) {
  json j = {{"op", spec.op}, {"norm", spec.norm}};
  if (spec.norm == "aug_norm_adj" || spec.norm == "aug_rwalk") j["self_loop"] = spec.self_loop;
  for (const std::string& p : sgc::operator_parameters(spec.op)) {
    if (p == "k") j["k"] = spec.k;
    if (p == "t") j["t"] = spec.t;
    if (p == "alpha") j["alpha"] = spec.alpha;
    if (p == "tol") j["tol"] = spec.tol;
  }
  return j;
}

std::string operator_summary(const sgc::OperatorSpec& spec) {
  std::ostringstream out;
  out << spec.op;
  for (const std::string& p : sgc::operator_parameters(spec.op)) {
    if (p == "k") out << " K=" << spec.k;
    if (p == "t") out << " T=" << spec.t;
    if (p == "alpha") out << " alpha=" << spec.alpha;
    if (p == "tol") out << " tol=" << spec.tol;
  }
  out << " norm=" << spec.norm;
  if (spec.norm == "aug_norm_adj" || spec.norm == "aug_rwalk") out << " self_loop=" << spec.self_loop;
  return out.str();
}

json config_json(const Job& job, const CommonFlags& f) {
  const sgc::SgcConfig& c = job.settings.config;
  return {{"dataset", job.name},
          {"nodes", job.nodes},
          {"features", job.features},
          {"classes", job.classes},
          {"k", c.op.k},
          {"operator", operator_json(c.op)},
          {"settings", job.settings.source},
          {"lr", c.train.lr},
          {"epochs", c.train.epochs},
          {"weight_decay", c.train.weight_decay},
          {"feature_norm", sgc::to_string(c.feature_norm)},
          {"seed", f.seed},
          {"threads", omp_get_max_threads()}};
}

}  // namespace sgc_cli
