// Presets: the settings a run starts from before any flag, keyed on the
// identity of the loaded data set (Dataset::family and name, never on the
// text of a flag, so `--dataset planetoid/cora` and a path to ind.cora.graph
// get the same settings as `--dataset cora`).
//
//   published operator settings: each operator's entry lists what its authors
//     published (OperatorDef::published: SGC, DGC, SSGC on the Planetoid
//     split; dgc_naive and heat use DGC's); an operator without its own
//     settings on such a data set trains with SGC's lr, epochs, weight decay
//   Reddit protocol (SGC on Reddit; the Reddit-shaped generator and FastGCN's
//     Reddit files): z-scored features, inductive, L-BFGS 40 iterations, no
//     weight decay
//   synthetic CSBM and bare graphs (edge lists, scipy matrices, with generated
//     attributes): no feature normalisation (Gaussian features can sum to ~0);
//     the CSBM demo graph also trains at K = 0, to show what propagation adds
// Any other data set: SGC's defaults with the operator's own parameter defaults;
// features with negative values (embeddings, Gaussian attributes, a generated
// graph written to files) are not row-normalised: their rows are not counts,
// and scaling each to unit mass erased what tells the classes apart (a
// generated products graph read back from its OGB files: test 0.14 against
// 0.99 raw).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sgc/data/dataset.h"
#include "sgc/model/config.h"
#include "sgc/model/model.h"
#include "sgc/ops/operator.h"

namespace sgc {

struct Preset {
  Config config;
  std::string source;             // where the numbers come from, for printing
  double published_accuracy = 0;  // percent, as published; 0 when none
  bool baseline = false;          // train also at K = 0 unless told not to (the small CSBM demo graph)
};

// `model`: the model's own published settings (ModelDef::preset) go over the operator's.
// `has_negative_features`: whether the data set's features have negative values
// (Dataset::has_negative_features); asked only where no published setting
// fixes the feature normalisation (it is a pass over the features).
Preset preset_for(std::string_view family, std::string_view name, const OperatorDef& op,
                  const ModelDef& model = default_model(),
                  const std::function<bool()>& has_negative_features = {});
inline Preset preset_for(const Dataset& d, const OperatorDef& op, const ModelDef& model = default_model()) {
  return preset_for(d.family, d.name, op, model, [&d] { return d.has_negative_features(); });
}

// What `sgc tune` searches by default for an operator (its authors' choice:
// SGC only the weight decay; the others their own parameters, lr and weight decay;
// lr not for an optimizer without a learning rate).
std::vector<SearchRange> default_search(const OperatorDef& op, const OptimizerDef& optimizer = default_optimizer());
// The range of one parameter: the operator's entry's, else a generic one for
// lr, weight_decay and the operators' shared parameters, else presets.cc's
// range for a parameter `optimizer` reads (optimizer_params(): rho,
// sketch_dim, ...) or `model` reads (model_params(): tau, hidden, ...).
// ArgumentError naming what each of them reads when none reads it (and which
// optimizers or models do), or when it is not a number.
SearchRange search_range(std::string_view name, const OperatorDef& op,
                         const OptimizerDef& optimizer = default_optimizer(), const ModelDef& model = default_model());

}  // namespace sgc
