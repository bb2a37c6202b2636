// sgc.attack: InfAttack (src/sgc/attack/infattack.h) from Python. Loads the
// data set, trains the victim with the attack's victim settings (or loads a
// saved model), attacks the targets and returns the report as a dict with
// the per-target flips and outcomes (sgc::attack::report_to_json).
#include <optional>
#include <string>
#include <vector>

#include <pybind11/stl.h>

#include "common.h"
#include "sgc/attack/infattack.h"
#include "sgc/attack/targets.h"
#include "sgc/attack/victim.h"
#include "sgc/error.h"
#include "sgc/io/load.h"
#include "sgc/model/model_file.h"

namespace sgc_py {

namespace {

py::object attack(const std::string& dataset, const std::string& data_dir, const std::string& op,
                  std::optional<int> k, const std::string& variant, const std::string& labels,
                  const std::vector<int>& budgets, const py::object& targets, int num_targets, uint64_t seed,
                  std::optional<int> attack_k, std::optional<int> max_candidates, const std::string& model_file) {
  sgc::attack::AttackOptions o;
  o.variant = sgc::attack::parse_variant(variant);
  o.labels = sgc::attack::parse_label_mode(labels);
  o.budgets = budgets;
  o.seed = seed;
  std::vector<int32_t> given;
  const bool have_targets = !targets.is_none();
  if (have_targets)
    for (py::handle t : targets) given.push_back(t.cast<int32_t>());
  nlohmann::json out;
  {
    NoGil nogil;
    sgc::LoadOptions lo;
    lo.dir = data_dir;
    const sgc::Dataset d = sgc::load_dataset(dataset, lo);
    sgc::attack::Victim victim;
    if (!model_file.empty()) {
      sgc::SavedModel saved = sgc::load_model(model_file);
      victim = sgc::attack::make_victim(d, saved.config, std::move(saved.model));
    } else {
      victim = sgc::attack::train_victim(d, sgc::attack::victim_config(d, sgc::find_operator(op), sgc::default_model(), k));
    }
    o.k = attack_k.value_or(sgc::attack::attack_depth(victim.config));
    o.max_add_candidates = max_candidates.value_or(sgc::attack::default_add_candidates(d, o.k));
    sgc::attack::validate_attack_options(o);
    for (int32_t t : given)
      if (t < 0 || t >= d.num_nodes())
        throw sgc::ArgumentError("targets: node id " + std::to_string(t) + " is outside [0, " +
                                 std::to_string(d.num_nodes()) + ")");
    const std::vector<int32_t> ts =
        have_targets ? given : sgc::attack::select_targets(d, victim.clean.label, num_targets, seed);
    const sgc::attack::AttackReport r = sgc::attack::run_attack(d, victim, ts, o);
    out = sgc::attack::report_to_json(r);
    out["dataset"] = d.name;
    out["victim"] = sgc::config_to_json(victim.config);
    out["clean_test_accuracy"] = victim.test_accuracy;
  }
  return from_json(out);
}

}  // namespace

void register_attack(py::module_& m) {
  m.def("attack", &attack, py::arg("dataset"), py::arg("data_dir") = "", py::arg("op") = "sgc",
        py::arg("k") = py::none(), py::arg("variant") = "efficient", py::arg("labels") = "known",
        py::arg("budgets") = std::vector<int>{2, 4, 6, 8, 10}, py::arg("targets") = py::none(),
        py::arg("num_targets") = 100, py::arg("seed") = 1, py::arg("attack_k") = py::none(),
        py::arg("max_candidates") = py::none(), py::arg("model_file") = "",
        "InfAttack on a victim (sgc::attack::run_attack): the report as a dict.");
}

}  // namespace sgc_py
