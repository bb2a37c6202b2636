// sgc.attack: InfAttack (src/sgc/attack/infattack.h) from Python. Loads the
// data set, trains the victim with the attack's victim settings (or loads a
// saved model), attacks the targets and returns the report as a dict with
// the per-target flips and outcomes (sgc::attack::report_to_json).
#include <optional>
#include <string>
#include <vector>

#include <pybind11/stl.h>

#include "common.h"
#include "sgc/attack/attack_request.h"
#include "sgc/attack/victim.h"
#include "sgc/error.h"
#include "sgc/io/load.h"
#include "sgc/model/model_file.h"

namespace sgc_py {

namespace {

py::object attack(const std::string& dataset, const std::string& data_dir, const std::string& op,
                  std::optional<int> k, const std::optional<std::string>& variant,
                  const std::optional<std::string>& labels, const std::optional<std::vector<int>>& budgets,
                  const std::optional<std::vector<int32_t>>& targets, std::optional<int> num_targets,
                  std::optional<uint64_t> seed, std::optional<int> attack_k, std::optional<int> max_candidates,
                  const std::string& model_file) {
  sgc::attack::AttackRequest r;  // unset: its defaults
  if (variant) r.options.variant = sgc::attack::parse_variant(*variant);
  if (labels) r.options.labels = sgc::attack::parse_label_mode(*labels);
  if (budgets) r.options.budgets = *budgets;
  r.k = attack_k;
  r.max_candidates = max_candidates;
  r.targets = targets;
  r.num_targets = num_targets;
  r.target_seed = seed.value_or(r.target_seed);
  sgc::attack::check_attack_request(r);  // before the data set is read and the victim trained
  nlohmann::json out;
  {
    NoGil nogil;
    sgc::LoadOptions lo;
    lo.dir = data_dir;
    const sgc::Dataset d = load_for_dataset_keyword([&] { return sgc::load_dataset(dataset, lo); });
    sgc::attack::Victim victim;
    if (!model_file.empty()) {
      sgc::SavedModel saved = sgc::load_model(model_file);
      victim = sgc::attack::make_victim(d, saved.config, std::move(saved.model));
    } else {
      victim = sgc::attack::train_victim(d, sgc::attack::victim_config(d, sgc::find_operator(op), sgc::default_model(), k));
    }
    const sgc::attack::PreparedAttack p = sgc::attack::prepare_attack(r, d, victim);
    const sgc::attack::AttackReport report = sgc::attack::run_attack(d, victim, p.targets, p.options);
    out = sgc::attack::report_to_json(report);
    out["dataset"] = d.name;
    out["victim"] = sgc::config_to_json(victim.config);
    out["clean_test_accuracy"] = victim.test_accuracy;
    out["notes"] = nlohmann::json::array();
    for (const std::string& note : p.notes) out["notes"].push_back(keyword_message(note.c_str()));
  }
  return from_json(out);
}

}  // namespace

void register_attack(py::module_& m) {
  m.def("attack", &attack, py::arg("dataset"), py::arg("data_dir") = "", py::arg("op") = "sgc",
        py::arg("k") = py::none(), py::arg("variant") = py::none(), py::arg("labels") = py::none(),
        py::arg("budgets") = py::none(), py::arg("targets") = py::none(), py::arg("num_targets") = py::none(),
        py::arg("seed") = py::none(), py::arg("attack_k") = py::none(), py::arg("max_candidates") = py::none(),
        py::arg("model_file") = "",
        "InfAttack on a victim (sgc::attack::run_attack): the report as a dict.");
}

}  // namespace sgc_py
