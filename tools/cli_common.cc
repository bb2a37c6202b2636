#include "cli_common.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <sstream>

#include "sgc/error.h"
#include "sgc/util/atomic_file.h"
#include "sgc/gpu/device.h"
#include "sgc/graph/normalizations.h"
#include "sgc/io/load.h"
#include "sgc/io/ogb.h"
#include "sgc/ops/operator.h"
#include "sgc/util/budget.h"
#include "sgc/util/named.h"
#include "sgc/util/printable.h"
#include "sgc/util/progress.h"
#include "sgc/util/threads.h"
#include "sgc/util/timer.h"

namespace sgc_cli {

namespace {

std::string flag_of(std::string_view param) {
  std::string f = "--" + std::string(param);
  for (char& c : f)
    if (c == '_') c = '-';
  return f;
}

// "k: read by sgc, dgc, ... (default 2)".
std::string param_help(const sgc::ParamDef& p) {
  const std::string readers = sgc::readers_of(sgc::operators(), p.name);
  std::string help = std::string(p.help);
  if (p.type == sgc::ParamDef::Type::Normalization) {
    std::string names;
    for (const std::string& n : sgc::normalization_names()) names += (names.empty() ? "" : ", ") + n;
    help += ": " + names;
  }
  if (!readers.empty()) help += " (" + readers + ")";
  const json def = p.get(sgc::OperatorSpec{});
  if (!(def.is_array() && def.empty())) help += "; default " + (def.is_string() ? def.get<std::string>() : def.dump());
  help += ", or the published setting";
  return help;
}

std::string operator_help() {
  std::string help = "operator (default sgc):";
  for (const sgc::OperatorDef* d : sgc::operators()) help += "\n  " + std::string(d->name) + ": " + std::string(d->formula);
  return help;
}

// A CLI11 check that applies a cap as the flag is parsed; the library's
// message (without its "--flag: " prefix, which CLI11 adds) on a bad value.
CLI::Validator applied(const std::string& what, std::function<void(const std::string&)> apply) {
  return CLI::Validator(
      [apply](std::string& v) {
        try {
          apply(v);
          return std::string();
        } catch (const sgc::Error& e) {
          const std::string m = e.what();
          const size_t colon = m.find(": ");
          return m.rfind("--", 0) == 0 && colon != std::string::npos ? m.substr(colon + 2) : m;
        }
      },
      what);
}

}  // namespace

void add_data_flags(CLI::App& app, DataFlags& f) {
  app.add_option("--dataset", f.dataset,
                 "a name (cora, texas, amazon_cs, ...: see sgc/io/load.h) or a path to Planetoid ind.<name>.* files, "
                 "an .npz, edge list, Matrix Market .mtx, OGB or FastGCN Reddit folder (default: built-in synthetic "
                 "graph)")
      ->check([](const std::string& v) { return v.empty() ? std::string("empty data set name") : std::string(); });
  app.add_option("--data-dir", f.data_dir, "folder with the data set's files (default: $SGC_DATA_DIR/<family>, else ../shared/data/<family>)")
      ->check(kNonEmptyPath);
  app.add_option("--ogb-split", f.ogb_split, "an OGB folder's split: the name of its split/<name> folder (default: "
                                             "the only one)")
      ->check(kNonEmptyPath);
  app.add_option("--feature-store", f.feature_store,
                 "node features from this feature store (.sgcf: sgc convert, sgc generate --format store), row i "
                 "for node i, instead of the data set's")
      ->check(kNonEmptyPath);
  app.add_option("--split", f.split, "which split: heterophilous 0..9; seeded 20/30-per-class split for amazon_cs etc. (default 0)")
      ->each([&f](const std::string&) { f.split_given = true; });
  app.add_option("--seed", f.seed, "random seed (weight initialisation, synthetic graph, search), >= 0")
      ->check(kNonNegative)
      ->each([&f](const std::string&) { f.seed_given = true; });
  app.add_option("--threads", f.threads, "OpenMP threads (default 0: all cores)");
  app.add_option("--device", f.device,
                 "where propagation and training run: cpu (default) or cuda (builds with CUDA, on a machine with a GPU)")
      // The name is checked as it is parsed; whether the machine has a GPU is
      // the run's error (load_data), not a flag-syntax one.
      ->check(applied("NAME", [](const std::string& v) { sgc::parse_device(v); }));
  app.add_option("--memory-limit", f.memory_limit,
                 "memory budget for inputs and computations, e.g. 8G (default: half the physical memory, or "
                 "$SGC_MEMORY_LIMIT)")
      ->check(applied("SIZE", [](const std::string& v) {
        sgc::set_memory_budget(sgc::parse_bytes(v, "--memory-limit"));
      }));
  app.add_option("--max-products", f.max_products,
                 "most sparse matrix products one propagation may do (default " +
                     std::to_string(sgc::kDefaultMaxProducts) + ", or $SGC_MAX_PRODUCTS)")
      ->check(applied("N", [](const std::string& v) {
        sgc::set_max_sparse_products(sgc::parse_max_products(v, "--max-products"));
      }));
  app.add_flag("--json", f.json, "print one JSON object instead of text");
  app.add_flag("--quiet", f.quiet,
               "no progress line on stderr (shown only when stderr is a terminal and --json is not given)");
  add_synthetic_flags(app, f.synthetic);
}

std::vector<std::pair<std::string, std::string>> data_inputs(const DataFlags& f) {
  return {{"--dataset", f.dataset}, {"--feature-store", f.feature_store}};
}

sgc::Dataset load_data(const DataFlags& f) {
  sgc::set_device(sgc::parse_device(f.device));
  sgc::set_num_threads(f.threads);  // --memory-limit and --max-products took effect when parsed
  sgc::install_terminal_progress(f.quiet, f.json);
  if (!f.dataset.empty() && !f.synthetic.given.empty())
    throw sgc::ArgumentError(f.synthetic.given.front() +
                             ": describes the built-in synthetic graph, which --dataset replaces");
  if (f.dataset.empty() && !f.data_dir.empty())
    throw sgc::ArgumentError("--data-dir: the folder of --dataset's files, and no --dataset is given");
  if (f.dataset.empty() && !f.ogb_split.empty())
    throw sgc::ArgumentError("--ogb-split: names a split of an OGB folder, and no --dataset is given");
  if (f.dataset.empty() && f.split != 0)
    throw sgc::ArgumentError("--split: the built-in synthetic graph has one split (--seed draws another graph)");
  if (f.dataset.empty()) {
    sgc::Dataset d = make_synthetic(f.synthetic, f.seed);
    if (!f.feature_store.empty()) sgc::use_feature_store(d, f.feature_store);
    return d;
  }
  sgc::LoadOptions load;
  load.dir = f.data_dir;
  load.split = f.split;
  load.feature_store = f.feature_store;
  load.ogb_split = f.ogb_split;
  return sgc::load_dataset(f.dataset, load);
}

void add_common_flags(CLI::App& app, CommonFlags& f, bool choose_operator) {
  add_data_flags(app, f);
  app.add_option("--model", f.model, "model: " + sgc::model_list() + " (default " +
                                         std::string(sgc::default_model().name) + ")");
  if (choose_operator) app.add_option("--op", f.op, operator_help());
  for (const sgc::ParamDef& p : sgc::operator_params()) {
    if (!choose_operator && p.name == "k") continue;  // sweep varies K
    const std::string key(p.name);
    auto* params = &f.op_params;
    switch (p.type) {
      case sgc::ParamDef::Type::Int:
        app.add_option_function<int>(flag_of(p.name), [params, key](const int& v) { (*params)[key] = v; },
                                     param_help(p));
        break;
      case sgc::ParamDef::Type::Real:
        app.add_option_function<double>(flag_of(p.name), [params, key](const double& v) { (*params)[key] = v; },
                                        param_help(p));
        break;
      case sgc::ParamDef::Type::RealList:
        // Parsed here, not by CLI11's delimiter, which drops empty items ("1,,2" read as 1,2).
        app.add_option_function<std::string>(
            flag_of(p.name),
            [params, key](const std::string& v) {
              std::vector<double> list;
              try {
                for (const std::string& item : split_list(v, flag_of(key))) {
                  char* end = nullptr;
                  const double x = std::strtod(item.c_str(), &end);
                  if (*end != '\0' || !std::isfinite(x))
                    throw sgc::ArgumentError(flag_of(key) + ": '" + item + "' is not a finite number");
                  list.push_back(x);
                }
              } catch (const sgc::ArgumentError& e) {
                throw CLI::ValidationError(e.what());  // a flag-syntax error, raised while parsing
              }
              (*params)[key] = list;
            },
            param_help(p));
        break;
      case sgc::ParamDef::Type::Normalization:
      case sgc::ParamDef::Type::Choice:
        app.add_option_function<std::string>(
            flag_of(p.name), [params, key](const std::string& v) { (*params)[key] = v; }, param_help(p));
        break;
    }
  }
  for (const sgc::ModelParamDef& p : sgc::model_params()) {
    const std::string key(p.name);
    auto* params = &f.model_params;
    const std::string readers = sgc::readers_of(sgc::models(), p.name);
    std::string help(p.help);
    const json def = p.get(sgc::ModelParams{});
    help += " (model " + readers + "); default " + (def.is_string() ? def.get<std::string>() : def.dump()) +
            ", or the published setting";
    switch (p.type) {
      case sgc::ModelParamDef::Type::Int:
        app.add_option_function<int>(flag_of(p.name), [params, key](const int& v) { (*params)[key] = v; }, help)
            ->group("Model parameters");
        break;
      case sgc::ModelParamDef::Type::Real:
        app.add_option_function<double>(flag_of(p.name), [params, key](const double& v) { (*params)[key] = v; },
                                        help)
            ->group("Model parameters");
        break;
      case sgc::ModelParamDef::Type::Choice:
        app.add_option_function<std::string>(
               flag_of(p.name), [params, key](const std::string& v) { (*params)[key] = v; }, help)
            ->group("Model parameters");
        break;
    }
  }
  app.add_option("--lr", f.lr, "learning rate (default: published, else 0.2)");
  app.add_option("--epochs", f.epochs, "training epochs / iterations (default: published, else 100; citeseer 150)");
  app.add_option("--weight-decay", f.weight_decay, "L2 weight decay (default: the paper's tuned value)");
  app.add_option("--feature-norm", f.feature_norm,
                 "row (each row to absolute sum 1) | zscore | none (default: row; synthetic: none)");
  std::string optimizers;
  for (const sgc::OptimizerDef* o : sgc::optimizers())
    optimizers += "\n  " + std::string(o->name) + ": " + std::string(o->help);
  app.add_option("--optimizer", f.optimizer, "optimizer (default " + std::string(sgc::default_optimizer().name) +
                                                 "):" + optimizers);
  for (const sgc::OptimizerParamDef& p : sgc::optimizer_params()) {
    const std::string key(p.name);
    auto* params = &f.optimizer_params;
    const std::string readers = sgc::readers_of(sgc::optimizers(), p.name);
    const json def = p.get(sgc::TrainOptions{});
    const std::string help = std::string(p.help) + " (optimizer " + readers + "); default " + def.dump();
    if (p.integer)
      app.add_option_function<int64_t>(flag_of(p.name), [params, key](const int64_t& v) { (*params)[key] = v; }, help)
          ->group("Optimizer parameters");
    else
      app.add_option_function<double>(flag_of(p.name), [params, key](const double& v) { (*params)[key] = v; }, help)
          ->group("Optimizer parameters");
  }
  app.add_option("--protocol", f.protocol,
                 "transductive | inductive (default: the data set's preset; Reddit-shaped graphs: inductive)");
  app.add_flag("--inductive", f.inductive,
               "same as --protocol inductive (SGC on Reddit): train rows propagated over the graph induced on the "
               "training nodes only, val/test rows over the full graph");
}

void add_synthetic_flags(CLI::App& app, SyntheticFlags& f, const char* use) {
  auto* g = app.add_option_group("synthetic graph", use);
  std::string help = "the built-in graph (default " + f.generator + "):";
  for (const sgc::GeneratorDef* d : sgc::generators())
    help += "\n  " + std::string(d->name) + ": " + std::string(d->summary);
  g->add_option("--generator", f.generator, help);
  for (const sgc::GeneratorParamDef& p : sgc::generator_params()) {
    std::string readers;  // "csbm 3000, powerlaw 232965": who reads it, with the default
    for (const sgc::GeneratorDef* d : sgc::generators())
      if (d->reads(p.name)) {
        const nlohmann::json v = d->defaults()[std::string(p.name)];
        readers += (readers.empty() ? "" : ", ") + std::string(d->name) + " " +
                   (p.integer ? v.dump() : sgc::format_number(v.get<double>()));
      }
    help = std::string(p.help) + " (default: " + readers + ")";
    auto* params = &f.params;
    const std::string key(p.name);
    if (p.integer)
      g->add_option_function<int64_t>(flag_of(p.name), [params, key](const int64_t& v) { (*params)[key] = v; }, help);
    else
      g->add_option_function<double>(flag_of(p.name), [params, key](const double& v) { (*params)[key] = v; }, help);
  }
  // Which of them were given: a data set from --dataset would ignore them.
  for (CLI::Option* o : g->get_options())
    o->each([&f, name = o->get_name()](const std::string&) { f.given.push_back(name); });
}

sgc::Dataset make_synthetic(const SyntheticFlags& f, uint64_t seed) {
  return sgc::generate(sgc::find_generator(f.generator), f.params, seed);
}

void apply_flags(const CommonFlags& f, sgc::Config& c) {
  if (f.model) c.model = &sgc::find_model(*f.model);
  for (const auto& [name, value] : f.op_params) sgc::find_param(name)->set(c.op, value);
  for (const auto& [name, value] : f.model_params) sgc::find_model_param(name)->set(c.model_params, value);
  if (f.lr) c.train.lr = *f.lr;
  if (f.epochs) c.train.epochs = *f.epochs;
  if (f.weight_decay) c.train.weight_decay = *f.weight_decay;
  if (f.feature_norm) c.feature_norm = sgc::parse_feature_norm(*f.feature_norm);
  if (f.optimizer) sgc::use_optimizer(c.train, sgc::find_optimizer(*f.optimizer));
  for (const auto& [name, value] : f.optimizer_params) {
    if (!c.train.optimizer->reads(name))
      throw sgc::ArgumentError(flag_of(name) + ": not a parameter of optimizer " +
                               std::string(c.train.optimizer->name) + " (read by " +
                               sgc::readers_of(sgc::optimizers(), name) + "; choose one with --optimizer)");
    sgc::find_optimizer_param(name)->set(c.train, value);
  }
  if (f.lr && !c.train.optimizer->uses_lr)
    throw sgc::ArgumentError("--lr: optimizer " + std::string(c.train.optimizer->name) +
                             " chooses its own steps and has no learning rate");
  if (f.protocol && f.inductive && *f.protocol != "inductive")
    throw sgc::ArgumentError("--inductive: contradicts --protocol " + *f.protocol);
  if (f.protocol) c.protocol = sgc::parse_protocol(*f.protocol);
  if (f.inductive) c.protocol = sgc::Protocol::Inductive;
  c.train.seed = f.seed;
}

sgc::Preset configured(const CommonFlags& f, const sgc::Dataset& data, const sgc::OperatorDef& op) {
  sgc::Preset p = sgc::preset_for(data, op, f.model ? sgc::find_model(*f.model) : sgc::default_model());
  apply_flags(f, p.config);
  sgc::validate_config(p.config);
  return p;
}

void check_params_read(const CommonFlags& f, const std::vector<const sgc::OperatorDef*>& ops) {
  for (const auto& [name, value] : f.op_params) {
    if (name == "norm" || name == "self_loop" || name == "precision") continue;  // every operator's S; checked by the operator
    bool read = false;
    std::string names;
    for (const sgc::OperatorDef* op : ops) {
      read = read || op->reads(name);
      names += (names.empty() ? "" : ", ") + std::string(op->name);
    }
    if (!read)
      throw sgc::ArgumentError(flag_of(name) + ": not a parameter of " + names + " (read by " +
                               sgc::readers_of(sgc::operators(), name) + ")");
  }
}

void check_model_params_read(const CommonFlags& f, const std::vector<const sgc::ModelDef*>& models) {
  for (const auto& [name, value] : f.model_params) {
    bool read = false;
    std::string names;
    for (const sgc::ModelDef* m : models) {
      read = read || m->reads(name);
      names += (names.empty() ? "" : ", ") + std::string(m->name);
    }
    if (!read)
      throw sgc::ArgumentError(flag_of(name) + ": not a parameter of the " + names + " model (read by " +
                               sgc::readers_of(sgc::models(), name) + "; choose one with --model)");
  }
}

Job prepare_job(const CommonFlags& f, bool check_params) {
  // Names are checked before any data is read.
  const sgc::OperatorDef& op = sgc::find_operator(f.op.value_or(std::string(sgc::default_operator().name)));
  if (check_params) check_params_read(f, {&op});
  const sgc::ModelDef& model = f.model ? sgc::find_model(*f.model) : sgc::default_model();
  if (check_params) check_model_params_read(f, {&model});
  if (f.optimizer) sgc::find_optimizer(*f.optimizer);
  if (f.protocol) sgc::parse_protocol(*f.protocol);
  Job job;
  sgc::Timer timer;
  job.data = load_data(f);
  job.times.load = timer.seconds();
  job.family = job.data.family;
  job.name = job.data.name;
  job.nodes = job.data.num_nodes();
  job.features = job.data.num_features();
  job.classes = job.data.num_classes;
  job.preset = configured(f, job.data, op);
  return job;
}

json seconds_json(const Job& job, double total) {
  return {{"load", job.times.load},         {"normalize", job.times.normalize},
          {"propagate", job.times.propagate}, {"train", job.times.train},
          {"evaluate", job.times.evaluate}, {"total", total}};
}

std::vector<std::string> split_list(const std::string& list, const std::string& flag) {
  std::vector<std::string> out;
  if (list.empty()) return out;
  size_t start = 0;
  for (;;) {
    const size_t comma = list.find(',', start);
    std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item.empty()) throw sgc::ArgumentError(flag + ": '" + list + "' has an empty item (a comma too many?)");
    out.push_back(std::move(item));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

std::vector<std::string> training_flags_given(const CommonFlags& f) {
  std::vector<std::string> given;
  const auto note = [&given](bool set, const std::string& name) {
    if (set) given.push_back(name);
  };
  note(f.model.has_value(), "--model");
  note(f.op.has_value(), "--op");
  for (const auto* params : {&f.op_params, &f.model_params, &f.optimizer_params})
    for (const auto& [name, value] : *params) given.push_back(flag_of(name));
  note(f.optimizer.has_value(), "--optimizer");
  note(f.feature_norm.has_value(), "--feature-norm");
  note(f.protocol.has_value(), "--protocol");
  note(f.inductive, "--inductive");
  note(f.lr.has_value(), "--lr");
  note(f.epochs.has_value(), "--epochs");
  note(f.weight_decay.has_value(), "--weight-decay");
  return given;
}

void require_operator_products(const CommonFlags& f, const sgc::OperatorSpec& op) {
  std::string flags;
  // Each value as it would be typed: numbers in %g, a list (--coeffs) comma-separated.
  const auto typed = [](const json& v) {
    return v.is_string() ? v.get<std::string>() : v.is_number() ? sgc::format_number(v.get<double>()) : v.dump();
  };
  const auto add = [&flags, &typed](const std::string& flag, const json& value) {
    std::string text;
    if (value.is_array())
      for (const json& item : value) text += (text.empty() ? "" : ",") + typed(item);
    else
      text = typed(value);
    flags += (flags.empty() ? "" : " ") + flag + " " + text;
  };
  if (f.op) add("--op", *f.op);
  for (const auto& [name, value] : f.op_params) add(flag_of(name), value);
  sgc::require_operator_products(op, (flags.empty() ? "" : flags + ": ") + "operator " + sgc::operator_summary(op));
}

std::string accuracy_text(double accuracy) {
  if (std::isnan(accuracy)) return "n/a";
  char text[32];
  std::snprintf(text, sizeof text, "%.4f", accuracy);
  return text;
}

std::string training_summary(const sgc::Config& c) {
  std::string s = c.model == &sgc::default_model() ? "" : "model " + std::string(c.model->name) + ", ";
  char rest[160];
  char lr[32] = "";
  if (c.train.optimizer->uses_lr) std::snprintf(lr, sizeof lr, "lr=%g ", c.train.lr);
  std::snprintf(rest, sizeof rest, "%s, %s protocol, %sepochs=%d weight_decay=%g",
                std::string(c.train.optimizer->name).c_str(), sgc::to_string(c.protocol).c_str(), lr, c.train.epochs,
                c.train.weight_decay);
  return s + rest;
}

void print_job_header(const Job& job, int64_t products) {
  const sgc::Config& config = job.preset.config;
  std::printf("dataset %s: %lld nodes, %lld features, %d classes; %s\n", job.name.c_str(), (long long)job.nodes,
              (long long)job.features, job.classes, training_summary(config).c_str());
  std::printf("operator %s: %lld sparse products (settings: %s)\n", sgc::operator_summary(config.op).c_str(),
              (long long)products, job.preset.source.c_str());
}

namespace {
// A field of a model's "training" record, which is free-form: a field of
// another type counts as absent.
template <class T>
T training_field(const json& training, const char* key, T fallback) {
  const auto it = training.find(key);
  if (it == training.end()) return fallback;
  try {
    return it->template get<T>();
  } catch (const json::exception&) {
    return fallback;
  }
}
}  // namespace

void note_other_split(const json& training, const std::string& name, const std::string& family, int scored) {
  const int trained = training_field(training, "split", 0);
  if (scored < 0 || scored == trained || name != training_field(training, "dataset", std::string()) ||
      family != training_field(training, "family", std::string()))
    return;
  std::fprintf(stderr, "note: scoring split %d of %s; the model was trained on split %d, whose training nodes may "
               "be among these test nodes\n", scored, name.c_str(), trained);
}

void write_predictions(const std::string& out, const std::string& model_path, const std::vector<int32_t>& classes,
                       const std::vector<int64_t>& label_values) {
  sgc::AtomicFile file(out);
  std::string block = "node,class\n";
  for (size_t v = 0; v < classes.size(); ++v) {
    const int32_t c = classes[v];
    if (!label_values.empty() && (c < 0 || size_t(c) >= label_values.size()))
      throw sgc::Error("--model " + model_path + ": predicted class " + std::to_string(c) + " but the data set has " +
                       std::to_string(label_values.size()) + " classes");
    block += std::to_string(v) + ',' + std::to_string(label_values.empty() ? int64_t{c} : label_values[size_t(c)]) + '\n';
    if (block.size() > (1 << 20)) file.write(block), block.clear();
  }
  file.write(block);
  file.commit();
}

AsTrained load_as_trained(const DataFlags& f, const std::string& model_path, const json& training,
                          bool print_notes) {
  auto field = [&](const char* key, auto fallback) { return training_field(training, key, fallback); };
  if (!f.dataset.empty() && f.seed_given)
    throw sgc::ArgumentError("--seed: predict on a data set draws nothing (the model is fixed, and the split is "
                             "the model's or --split's)");
  const int trained_split = field("split", 0);
  const bool choose_split = !f.dataset.empty() && !f.split_given && trained_split != 0;
  DataFlags g = f;
  if (choose_split) g.split = trained_split;
  // An OGB folder's named split, as in training (a folder with several splits needs one).
  if (g.ogb_split.empty() && sgc::is_ogb_node_dir(f.dataset)) g.ogb_split = field("ogb_split", std::string());
  auto same_as_trained = [&](const sgc::Dataset& d) {
    return d.name == field("dataset", std::string()) && d.family == field("family", std::string());
  };
  sgc::Dataset d;
  try {
    d = load_data(g);
  } catch (const sgc::ArgumentError& e) {
    if (!choose_split) throw;
    // The model's split may be another data set's; where this is the data set
    // it was trained on, the file's field is wrong, not a flag.
    g.split = f.split;
    d = load_data(g);
    if (same_as_trained(d)) {
      std::string problem = e.what();
      if (problem.rfind("--split: ", 0) == 0) problem.erase(0, 9);
      throw sgc::FormatError("--model " + model_path + ": field training.split (" + std::to_string(trained_split) +
                             "): " + problem);
    }
  }
  const bool same = same_as_trained(d);
  if (choose_split && !same && g.split != f.split) {  // another data set: its own default split
    g.split = f.split;
    d = load_data(g);
  }
  const int scored = f.dataset.empty() ? -1 : g.split;
  if (!same) return {std::move(d), scored};
  if (print_notes && f.split_given) note_other_split(training, d.name, d.family, f.split);
  const std::string store = field("feature_store", std::string());
  if (!store.empty() && f.feature_store.empty())
    throw sgc::ArgumentError("--feature-store: the model was trained on " + d.name + " with the features of " + store +
                             "; give --feature-store (that file, or one with the same columns)");
  return {std::move(d), scored};
}

json training_record(const Job& job, const DataFlags& f, const sgc::Evaluation& ev) {
  json t = {{"dataset", job.name}, {"family", job.family}, {"val_accuracy", ev.val_acc}, {"test_accuracy", ev.test_acc}};
  if (!f.dataset.empty()) t["split"] = f.split;
  if (!f.feature_store.empty()) t["feature_store"] = std::filesystem::absolute(f.feature_store).string();
  if (!f.ogb_split.empty()) t["ogb_split"] = f.ogb_split;
  return t;
}

json config_json(const Job& job, const CommonFlags& f) {
  const sgc::Config& c = job.preset.config;
  json out = {{"dataset", job.name},
          {"family", job.family},
          {"nodes", job.nodes},
          {"features", job.features},
          {"classes", job.classes},
          {"model", std::string(c.model->name)},
          {"k", c.op.k},
          {"operator", sgc::operator_to_json(c.op)},
          {"settings", job.preset.source},
          {"optimizer", std::string(c.train.optimizer->name)},
          {"lr", c.train.lr},
          {"epochs", c.train.epochs},
          {"weight_decay", c.train.weight_decay},
          {"feature_norm", sgc::to_string(c.feature_norm)},
          {"protocol", sgc::to_string(c.protocol)},
          {"inductive", c.protocol == sgc::Protocol::Inductive},
          {"seed", f.seed},
          {"threads", sgc::num_threads()},
          {"device", sgc::to_string(sgc::current_device())}};
  if (!c.train.optimizer->uses_lr) out.erase("lr");
  if (!c.op.def->reads("k")) out.erase("k");  // ppr, heat, poly: no depth (the operator's own fields say what runs)
  if (!c.model->params.empty()) out["model_params"] = sgc::model_params_to_json(c.model_params, c.model->params);
  if (!c.train.optimizer->params.empty()) out["optimizer_params"] = sgc::optimizer_params_to_json(c.train);
  // The whole configuration as model files store it (Python's config= and sgc::config_from_json read it).
  out["config"] = sgc::config_to_json(c);
  return out;
}

}  // namespace sgc_cli
