// sgc.tune: the hyper-parameter search of sgc/tune/search.h from Python, on
// a data set with its preset (what `sgc tune --dataset NAME` runs).
#include <optional>
#include <string>
#include <vector>

#include <pybind11/stl.h>

#include "common.h"
#include "sgc/error.h"
#include "sgc/io/load.h"
#include "sgc/model/optimizer.h"
#include "sgc/presets.h"
#include "sgc/tune/search.h"
#include "sgc/util/printable.h"

namespace sgc_py {

namespace {

py::object tune(const std::string& dataset, const std::string& data_dir, int split, const std::string& op,
                const std::optional<std::string>& optimizer, const std::string& model,
                const std::optional<std::vector<std::string>>& search, const py::dict& ranges, int trials,
                std::optional<uint64_t> seed) {
  const sgc::OperatorDef& op_def = sgc::find_operator(op);
  const sgc::OptimizerDef& opt_def = optimizer ? sgc::find_optimizer(*optimizer) : sgc::default_optimizer();
  const sgc::ModelDef& model_def = sgc::find_model(model);
  std::vector<sgc::tune::SearchedParam> space =
      sgc::tune::default_space(search, op_def, opt_def, model_def);
  for (const auto& [key, value] : ranges) {
    const std::string name = py::str(key);
    const auto [low, high] = value.cast<std::pair<double, double>>();
    sgc::tune::set_range(space, name, low, high,
                         "ranges['" + name + "'] = (" + sgc::format_number(low) + ", " + sgc::format_number(high) + ")",
                         "ranges", "search");
  }
  sgc::tune::check_ranges(space);
  sgc::tune::TpeOptions opts;
  opts.trials = trials;
  nlohmann::json out;
  {
    NoGil nogil;
    sgc::LoadOptions lo;
    lo.dir = data_dir;
    lo.split = split;
    const sgc::Dataset d = load_for_dataset_keyword([&] { return sgc::load_dataset(dataset, lo); });
    sgc::Config base = sgc::preset_for(d, op_def, model_def).config;
    if (optimizer) sgc::use_optimizer(base.train, opt_def);
    if (seed) base.train.seed = *seed;  // else the preset's, as `sgc tune` without --seed
    opts.seed = base.train.seed;
    sgc::validate_config(base);
    const sgc::tune::SearchResult r = sgc::tune::search(d, base, space, opts);
    out = sgc::tune::search_to_json(r);
    out["dataset"] = d.name;
  }
  return from_json(out);
}

}  // namespace

void register_tune(py::module_& m) {
  m.def("tune", &tune, py::arg("dataset"), py::arg("data_dir") = "", py::arg("split") = 0,
        py::arg("op") = std::string(sgc::default_operator().name), py::arg("optimizer") = py::none(),
        py::arg("model") = std::string(sgc::default_model().name), py::arg("search") = py::none(),
        py::arg("ranges") = py::dict(), py::arg("trials") = 60, py::arg("seed") = py::none(),
        "TPE search on validation accuracy (sgc::tune::search): the result as a dict.");
}

}  // namespace sgc_py
