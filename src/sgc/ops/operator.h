// Propagation operators: one entry point from (adjacency, features, spec) to
// the propagated features a model is trained on. S is the graph normalisation
// named by spec.norm (graph/normalizations.h).
//
// Every operator is one entry of the registry (ops/registry.cc), defined in
// its own file with its formula and paper:
//
//   sgc        S^K X                                     propagate.cc Wu et al., ICML 2019
//   dgc        ((1 - T/K) I + (T/K) S)^K X, binomial series  dgc.cc   Wang et al., NeurIPS 2021
//   dgc_naive  the same by K forward-Euler steps             dgc.cc
//   heat       exp(-T (I - S)) X, truncated Poisson series   heat_kernel.cc
//   ssgc       alpha X + (1 - alpha)/K sum_{k=1..K} S^k X    ssgc.cc  Zhu & Koniusz, ICLR 2021
//   ppr        alpha sum_k (1 - alpha)^k S^k X to a tolerance ppr.cc  Klicpera et al., ICLR 2019
//   sign       [X, S X, ..., S^K X]                          sign.cc  Frasca et al., 2020
//   poly       sum_k c_k S^k X with given coefficients       poly.cc  (GPR-GNN-style fixed filters)
//
// An entry states the parameters the operator reads, their domains (shared
// parameters are described once, in registry.cc), how it runs (series weights
// of a polynomial in S, or a run function), a double-precision reference
// from its definition (the verifier) and its default tuning ranges. The
// command line, tune, sweep, model files, JSON and the Python module all read
// the entries; nothing outside the registry compares operator names.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sgc/dense.h"
#include "sgc/graph/csr.h"
#include "sgc/graph/normalizations.h"
#include "sgc/ops/hop_plan.h"
#include "sgc/ops/hop_product.h"
#include "sgc/ops/propagate_stored.h"
#include "sgc/ops/reference.h"
#include "sgc/ops/spmm.h"

namespace sgc {

struct OperatorDef;

// The default operator (SGC's S^K X).
const OperatorDef& default_operator();

struct OperatorSpec {
  const OperatorDef* def = &default_operator();  // which operator
  int k = 2;                                     // propagation steps / hops (--k)
  Normalization norm = Normalization::AugNormAdj;  // graph normalisation (--norm)
  double self_loop = 1.0;                        // self-loop weight g of the augmented normalisations
  double t = 5.0;                                // diffusion time T (dgc, dgc_naive, heat)
  double alpha = 0.1;                            // teleport / input weight (ssgc, ppr)
  double tol = 1e-6;                             // remaining series weight at which a series stops
  std::vector<double> coeffs;                    // c_0, c_1, ... of poly
  Precision precision = Precision::Fp32;         // storage of X and the hops (sgc; propagate_stored.h)

  std::string_view name() const;
};

// The features an operator starts from: sparse (borrowed), dense (owned:
// move it in to let the operator work in place) or a read-only dense view of
// a buffer held elsewhere (numpy's), read in place where the operator can.
struct FeatureInput {
  const CsrMatrix* sparse = nullptr;
  DenseMatrix dense;
  std::optional<DenseView> view;

  FeatureInput(const CsrMatrix& x) : sparse(&x) {}
  FeatureInput(DenseMatrix x) : dense(std::move(x)) {}
  FeatureInput(DenseView x) : view(x) {}

  int64_t rows() const;
  int64_t cols() const;
  // An owned dense matrix (copies a view, densifies sparse input).
  DenseMatrix take_dense() &&;
};

namespace cuda {
class DeviceRows;
}

struct OperatorResult {
  DenseMatrix features;
  int64_t sparse_products = 0;
  // With --precision bf16|fp16: the matrices stored in 16 bits between hops
  // (propagate_stored.h); -1 where not counted (other operators, blocked runs).
  int stored_16bit = -1;
  // The same rows left in GPU memory, when a GPU run was asked to keep them.
  std::shared_ptr<const cuda::DeviceRows> on_device;
};

// A tunable range (tune's search space): log-uniform or uniform on [low, high].
struct SearchRange {
  std::string name;  // an operator parameter or a training one (lr, weight_decay)
  double low = 0, high = 1;
  bool log = false;
  bool integer = false;
  bool by_default = true;  // searched when the user names no parameters (else: only its range)
};

// The training parameters' ranges: every operator's default search lists them,
// and search_range() answers them for an operator that does not.
inline SearchRange lr_search_range() { return {"lr", 0.01, 2, true, false}; }
inline SearchRange weight_decay_search_range() { return {"weight_decay", 1e-10, 1e-3, true, false}; }

// Settings an operator's authors published for a data set (its family and
// name as the loaders set them): operator parameters, training, accuracy.
struct PublishedSetting {
  std::string_view family, dataset;
  std::vector<std::pair<std::string_view, double>> params;  // e.g. {"k", 250}, {"t", 5.27}
  double lr = 0.2, weight_decay = 0;
  int epochs = 100;
  double accuracy = 0;  // percent, mean test accuracy as published; 0: none published
  std::string_view source;
};

struct OperatorDef {
  std::string_view name;
  std::string_view formula;  // one line, for help
  std::string_view source;   // paper
  std::vector<std::string_view> params;  // parameters it reads besides norm, self_loop and precision
  int min_k = 0;                         // smallest K (when it reads k)
  // Polynomial filters: the weights w_0.. of sum_k w_k S^k X for this spec
  // (an empty result: use run instead).
  std::vector<double> (*series)(const OperatorSpec&) = nullptr;
  // Everything else: the propagated features, of the nodes in *rows (in that
  // order) when rows is given, else of every node.
  OperatorResult (*run)(const HopProduct& s, FeatureInput x, const OperatorSpec&,
                        const std::vector<int32_t>* rows) = nullptr;
  // Operators that are not a series: their recurrence as a plan of hops
  // (ops/hop_plan.h), which is how other backends (the GPU) run them. Null:
  // the series, when there is one, is the plan.
  HopPlan (*plan)(const OperatorSpec&) = nullptr;
  // Sparse products the operator will do (series: their length - 1), counted
  // from the parameters without building anything large: the cost estimate
  // the products cap (util/budget.h) is checked against before any work.
  // Null: K products, or the series' length - 1 for a series operator.
  int64_t (*planned_products)(const OperatorSpec&) = nullptr;
  // Columns of the output for d input columns (null: d; sign: (K + 1) d).
  int64_t (*output_columns)(const OperatorSpec&, int64_t d) = nullptr;
  // The verifier: one column x of the features propagated in double straight
  // from the definition; returns the output's columns for it (one, or K + 1
  // for an operator that concatenates hops).
  std::vector<Eigen::VectorXd> (*reference)(const SparseD& s, const Eigen::VectorXd& x,
                                            const OperatorSpec&) = nullptr;
  // What `sgc tune` searches by default (operator and training parameters).
  std::vector<SearchRange> search;
  // Published settings (presets.h applies them).
  std::vector<PublishedSetting> published;
  // Per-spec domain checks beyond the shared parameters' (e.g. K >= min_k); may be null.
  void (*check)(const OperatorSpec&) = nullptr;

  // Whether run honours spec.precision (16-bit storage of X and the hops).
  bool sixteen_bit = false;

  bool reads(std::string_view param) const;
};

// ---- the registry ----------------------------------------------------------

// Every operator, in the order of the table above.
const std::vector<const OperatorDef*>& operators();
// The operator called `name`; ArgumentError listing the known ones otherwise.
const OperatorDef& find_operator(std::string_view name);
// "sgc, dgc, ..." for messages and help.
std::string operator_list();

// A shared parameter of the operators (k, t, alpha, tol, coeffs, norm, precision,
// self_loop): flag --<name> (underscores as dashes), JSON key and Python
// keyword alike.
struct ParamDef {
  std::string_view name;
  enum class Type { Int, Real, RealList, Normalization, Choice } type;  // Choice: a name (help lists them)
  std::string_view help;
  nlohmann::json (*get)(const OperatorSpec&);
  // Sets from JSON; ArgumentError naming the parameter for a value of the wrong type.
  void (*set)(OperatorSpec&, const nlohmann::json&);
  // Domain check of the value in the spec; ArgumentError naming --<name>.
  void (*check)(const OperatorSpec&);
};
const std::vector<ParamDef>& operator_params();
const ParamDef* find_param(std::string_view name);  // nullptr if none

// Checks the spec: the shared parameters' domains and the operator's own rule.
void validate_operator(const OperatorSpec& spec);

// The spec as JSON: {"op": name, "norm": ..., "self_loop" (augmented
// normalisations only), and the parameters the operator reads}. The one
// serialisation of a spec: model files, --json output and Python use it.
nlohmann::json operator_to_json(const OperatorSpec& spec);
// Reads what operator_to_json wrote (unknown keys are errors; missing
// parameters keep their defaults); validates. ArgumentError on a bad field.
OperatorSpec operator_from_json(const nlohmann::json& j);
// One line: "dgc K=250 T=5.27 tol=1e-06 norm=aug_norm_adj self_loop=1".
std::string operator_summary(const OperatorSpec& spec);
// Overflowing features are an error, not a result: Error naming `what` (the
// operator) and the remedies unless every entry of f is finite; a self-loop
// normalisation is suggested only to a run that does not have one.
void require_finite_output(const DenseMatrix& f, const std::string& what, bool has_self_loops = false);
// Sets the parameter `name` from a number (tune): integers are rounded.
void set_operator_param(OperatorSpec& spec, std::string_view name, double value);

// ---- running -----------------------------------------------------------------

// The normalised graph operator named by spec.norm.
CsrMatrix normalized_operator(const CsrMatrix& adj, const OperatorSpec& spec);

// Number of sparse matrix products the operator does (the last one may be
// restricted to the requested rows), without doing them (cheap: from the
// parameters, before any large allocation).
int64_t planned_sparse_products(const OperatorSpec& spec);

// The caps, checked from the parameters before any work (run_operator does):
// the planned sparse products against max_sparse_products(), and the memory
// of the output and the working hops against memory_budget()
// (util/budget.h). sgc::ResourceError naming `what` (default: the operator's
// summary) and saying how to raise the cap.
void require_operator_products(const OperatorSpec& spec, const std::string& what = "");
// Bytes of float32 an operator holds at its peak on n x d features with
// out_rows output rows: the output (out_rows x output columns) and two n x d
// working hops; -1 if that overflows.
int64_t operator_memory_bytes(const OperatorSpec& spec, int64_t n, int64_t d, int64_t out_rows);
// Output columns for d input columns (sign: (K + 1) d).
int64_t operator_output_columns(const OperatorSpec& spec, int64_t d);

// The operator as a plan of hops (its series, or its own plan); ParameterError
// for a setting with neither.
HopPlan hop_plan(const OperatorSpec& spec);

// Propagated features: of every node, or only of the nodes in *rows (in that
// order) when rows is given, which lets an operator skip work for nodes
// nobody asked for. s is S itself (a CsrMatrix) or, split over processes,
// this process's rows of it (hop_product.h): then x, rows and the result are
// this process's rows. Checks the caps first (ResourceError), and the result
// after: non-finite features (an overflow: no self-loops at large K, huge
// inputs) are an sgc::Error naming the operator with a hint, never a result.
OperatorResult run_operator(const HopProduct& s, FeatureInput x, const OperatorSpec& spec,
                            const std::vector<int32_t>* rows = nullptr);

// run_operator on S = normalized_operator(adj, spec), normalised where it is
// propagated: with --device cuda only A crosses the bus and S is built on the
// GPU (the same S entry for entry); on the CPU it is normalized_operator, then
// run_operator. keep_on_device: on the GPU, the output stays in device memory
// as well (OperatorResult::on_device), for the head to train on there.
OperatorResult run_operator_on_adjacency(const CsrMatrix& adj, FeatureInput x, const OperatorSpec& spec,
                                         const std::vector<int32_t>* rows = nullptr, bool keep_on_device = false);
DenseMatrix apply_operator(const HopProduct& s, FeatureInput x, const OperatorSpec& spec,
                           const std::vector<int32_t>* rows = nullptr);

}  // namespace sgc
