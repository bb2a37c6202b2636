// The operator registry: the table of operators, the shared parameters with
// their domains, the one (de)serialisation of a spec, and the dispatch that
// runs an entry. To add an operator: a file with its OperatorDef (see poly.cc)
// and one line in each list below.
#include <cmath>
#include <cstdio>
#include <sstream>
#include <utility>

#include "sgc/data/dataset.h"
#include "sgc/error.h"
#include "sgc/util/printable.h"
#include "sgc/gpu/device.h"
#include "sgc/gpu/gpu_operator.h"
#include "sgc/graph/normalize.h"
#include "sgc/graph/normalizations.h"
#include "sgc/ops/operator.h"
#include "sgc/util/named.h"
#include "sgc/ops/polynomial.h"
#include "sgc/util/budget.h"

namespace sgc {

// Each defined in the operator's own file.
const OperatorDef& sgc_operator();
const OperatorDef& dgc_operator();
const OperatorDef& dgc_naive_operator();
const OperatorDef& heat_operator();
const OperatorDef& ssgc_operator();
const OperatorDef& ppr_operator();
const OperatorDef& sign_operator();
const OperatorDef& poly_operator();

const std::vector<const OperatorDef*>& operators() {
  static const std::vector<const OperatorDef*> table{&sgc_operator(),  &dgc_operator(), &dgc_naive_operator(),
                                                     &heat_operator(), &ssgc_operator(), &ppr_operator(),
                                                     &sign_operator(), &poly_operator()};
  return table;
}

const OperatorDef& default_operator() { return sgc_operator(); }

std::string_view OperatorSpec::name() const { return def->name; }

bool OperatorDef::reads(std::string_view param) const {
  for (std::string_view p : params)
    if (p == param) return true;
  return false;
}

std::string operator_list() { return name_list(operators()); }

const OperatorDef& find_operator(std::string_view name) {
  return find_named(operators(), name, "--op", "operator");
}

// ---- shared parameters ---------------------------------------------------------

namespace {

double real_from(const nlohmann::json& j, const char* name) {
  if (!j.is_number()) throw ParameterError(name, "expected a number, got " + j.dump());
  return j.get<double>();
}

int int_from(const nlohmann::json& j, const char* name) {
  if (!j.is_number_integer()) throw ParameterError(name, "expected an integer, got " + j.dump());
  const int64_t v = j.get<int64_t>();
  if (v < -(int64_t(1) << 31) || v >= (int64_t(1) << 31))
    throw ParameterError(name, j.dump() + " is out of range");
  return int(v);
}

bool augmented(Normalization n) { return n == Normalization::AugNormAdj || n == Normalization::AugRWalk; }

}  // namespace

const std::vector<ParamDef>& operator_params() {
  using T = ParamDef::Type;
  static const std::vector<ParamDef> table{
      {"k", T::Int, "propagation steps / hops K",
       [](const OperatorSpec& s) { return nlohmann::json(s.k); },
       [](OperatorSpec& s, const nlohmann::json& j) { s.k = int_from(j, "k"); },
       [](const OperatorSpec& s) {
         if (s.k < 0)
           throw ParameterError("k", "number of propagation steps must be >= 0, got " + std::to_string(s.k));
       }},
      {"t", T::Real, "diffusion time T",
       [](const OperatorSpec& s) { return nlohmann::json(s.t); },
       [](OperatorSpec& s, const nlohmann::json& j) { s.t = real_from(j, "t"); },
       [](const OperatorSpec& s) {
         if (!(s.t > 0) || !std::isfinite(s.t))
           throw ParameterError("t", "diffusion time T must be a number > 0, got " + format_number(s.t));
       }},
      {"alpha", T::Real, "teleport / input weight alpha, in (0, 1]",
       [](const OperatorSpec& s) { return nlohmann::json(s.alpha); },
       [](OperatorSpec& s, const nlohmann::json& j) { s.alpha = real_from(j, "alpha"); },
       [](const OperatorSpec& s) {
         if (!(s.alpha > 0 && s.alpha <= 1)) throw ParameterError("alpha", "must be in (0, 1], got " + format_number(s.alpha));
       }},
      {"tol", T::Real, "remaining series weight at which a series stops, in (0, 1)",
       [](const OperatorSpec& s) { return nlohmann::json(s.tol); },
       [](OperatorSpec& s, const nlohmann::json& j) { s.tol = real_from(j, "tol"); },
       [](const OperatorSpec& s) {
         if (!(s.tol > 0 && s.tol < 1)) throw ParameterError("tol", "must be in (0, 1), got " + format_number(s.tol));
       }},
      {"coeffs", T::RealList, "polynomial coefficients c_0,c_1,... (comma-separated)",
       [](const OperatorSpec& s) { return nlohmann::json(s.coeffs); },
       [](OperatorSpec& s, const nlohmann::json& j) {
         if (!j.is_array()) throw ParameterError("coeffs", "expected a list of numbers, got " + j.dump());
         std::vector<double> c;
         for (const auto& v : j) c.push_back(real_from(v, "coeffs"));
         s.coeffs = std::move(c);
       },
       [](const OperatorSpec& s) {
         for (double c : s.coeffs)
           if (!std::isfinite(c)) throw ParameterError("coeffs", "every coefficient must be finite");
       }},
      {"norm", T::Normalization, "graph normalisation",
       [](const OperatorSpec& s) { return nlohmann::json(to_string(s.norm)); },
       [](OperatorSpec& s, const nlohmann::json& j) {
         if (!j.is_string()) throw ParameterError("norm", "expected a string, got " + j.dump());
         s.norm = as_parameter("norm", [&] { return parse_normalization(j.get<std::string>()); });
       },
       [](const OperatorSpec&) {}},
      {"precision", T::Choice, "storage of the features between hops: fp32 | bf16 | fp16 (16 bits: fp32 arithmetic)",
       [](const OperatorSpec& s) { return nlohmann::json(to_string(s.precision)); },
       [](OperatorSpec& s, const nlohmann::json& j) {
         if (!j.is_string()) throw ParameterError("precision", "expected a string, got " + j.dump());
         s.precision = as_parameter("precision", [&] { return parse_precision(j.get<std::string>()); });
       },
       [](const OperatorSpec& s) {
         if (s.precision != Precision::Fp32 && s.def && !s.def->sixteen_bit)
           throw ParameterError("precision", std::string(s.def->name) + " keeps its hops in fp32; " + to_string(s.precision) +
                                                 " storage is implemented for: sgc");
       }},
      {"self_loop", T::Real, "self-loop weight g of aug_norm_adj and aug_rwalk",
       [](const OperatorSpec& s) { return nlohmann::json(s.self_loop); },
       [](OperatorSpec& s, const nlohmann::json& j) { s.self_loop = real_from(j, "self_loop"); },
       [](const OperatorSpec& s) {
         if (!(s.self_loop >= 0) || !std::isfinite(s.self_loop))
           throw ParameterError("self_loop", "must be a non-negative number, got " + format_number(s.self_loop));
         if (!augmented(s.norm) && s.self_loop != 1.0)
           throw ParameterError("self_loop", "--norm " + to_string(s.norm) +
                                                 " adds no self-loops; the weight applies to aug_norm_adj and aug_rwalk");
       }},
  };
  return table;
}

const ParamDef* find_param(std::string_view name) {
  for (const ParamDef& p : operator_params())
    if (p.name == name) return &p;
  return nullptr;
}

void validate_operator(const OperatorSpec& spec) {
  if (!spec.def) throw ParameterError("op", "no operator");
  for (const ParamDef& p : operator_params()) p.check(spec);
  if (spec.def->reads("k") && spec.k < spec.def->min_k)
    throw ParameterError("k", std::string(spec.def->name) + " needs K >= " + std::to_string(spec.def->min_k) +
                        ", got " + std::to_string(spec.k));
  if (spec.def->check) spec.def->check(spec);
  // A series stopped at --tol bounds the dropped part by tol ||X|| only when
  // ||S^k X|| <= ||X||; beyond that the answer would be silently wrong.
  if (spec.def->reads("tol") && spec.def->series && !contractive(spec.norm) && !spec.def->series(spec).empty()) {
    std::vector<std::string> usable;
    for (const std::string& name : normalization_names())
      if (contractive(parse_normalization(name))) usable.push_back(name);
    std::string fix = "use " + usable.front();
    for (size_t i = 1; i < usable.size(); ++i) fix += (i + 1 < usable.size() ? ", " : " or ") + usable[i];
    if (spec.def->name == "dgc") fix += ", or --op dgc_naive (the K steps, exact with any S)";
    throw ParameterError("norm", std::string(spec.def->name) + " sums a series in S stopped at --tol, which bounds " +
                                     "the error only when S's eigenvalues lie in [-1, 1]; " + to_string(spec.norm) +
                                     "'s reach beyond: " + fix);
  }
}

nlohmann::json operator_to_json(const OperatorSpec& spec) {
  nlohmann::json j = {{"op", std::string(spec.name())}, {"norm", to_string(spec.norm)}};
  if (augmented(spec.norm)) j["self_loop"] = spec.self_loop;
  if (spec.precision != Precision::Fp32) j["precision"] = to_string(spec.precision);  // fp32 (the default) unwritten
  for (std::string_view p : spec.def->params) j[std::string(p)] = find_param(p)->get(spec);
  return j;
}

OperatorSpec operator_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw ArgumentError("operator: expected an object, got " + j.dump());
  OperatorSpec spec;
  if (j.contains("op")) {
    if (!j["op"].is_string()) throw ParameterError("op", "expected a string, got " + j["op"].dump());
    spec.def = &find_operator(j["op"].get<std::string>());
  }
  for (const auto& [key, value] : j.items()) {
    if (key == "op") continue;
    const ParamDef* p = find_param(key);
    if (!p) {
      std::string known = "op";
      for (const ParamDef& q : operator_params()) known += ", " + std::string(q.name);
      throw ArgumentError("unknown operator parameter '" + printable(key) + "' (known: " + known + ")");
    }
    // Every operator's S reads these three; any other is the operator's own.
    const bool shared = key == "norm" || key == "self_loop" || key == "precision";
    if (!shared && !spec.def->reads(key))
      throw ParameterError(key, "not a parameter of operator " + std::string(spec.def->name) + " (read by " +
                                    readers_of(operators(), key) + ")");
    p->set(spec, value);
  }
  validate_operator(spec);
  return spec;
}

std::string operator_summary(const OperatorSpec& spec) {
  std::ostringstream out;
  out << spec.name();
  for (std::string_view p : spec.def->params) {
    const nlohmann::json v = find_param(p)->get(spec);
    out << ' ' << (p == "k" ? "K" : p == "t" ? "T" : std::string(p)) << '=';
    if (v.is_array()) {
      for (size_t i = 0; i < v.size(); ++i) out << (i ? "," : "") << v[i].get<double>();
    } else if (v.is_string()) {
      out << v.get<std::string>();
    } else if (v.is_number_integer()) {
      out << v.get<int64_t>();
    } else {
      out << v.get<double>();
    }
  }
  out << " norm=" << to_string(spec.norm);
  if (augmented(spec.norm)) out << " self_loop=" << spec.self_loop;
  if (spec.precision != Precision::Fp32) out << " precision=" << to_string(spec.precision);
  return out.str();
}

void set_operator_param(OperatorSpec& spec, std::string_view name, double value) {
  const ParamDef* p = find_param(name);
  if (!p || (p->type != ParamDef::Type::Int && p->type != ParamDef::Type::Real))
    throw ArgumentError("'" + std::string(name) + "' is not a numeric operator parameter");
  p->set(spec, p->type == ParamDef::Type::Int ? nlohmann::json(std::lround(value)) : nlohmann::json(value));
}

// ---- running ---------------------------------------------------------------------

int64_t FeatureInput::rows() const { return sparse ? sparse->rows : view ? view->rows() : dense.rows(); }
int64_t FeatureInput::cols() const { return sparse ? sparse->cols : view ? view->cols() : dense.cols(); }

DenseMatrix FeatureInput::take_dense() && {
  if (sparse) return to_dense(*sparse);
  if (view) {
    require_finite(view->data(), view->rows(), view->cols(), "X");
    return DenseMatrix(*view);
  }
  return std::move(dense);
}

CsrMatrix normalized_operator(const CsrMatrix& adj, const OperatorSpec& spec) {
  validate_operator(spec);
  return normalize_adjacency(adj, spec.norm, spec.self_loop);
}

namespace {
std::vector<double> series_of(const OperatorSpec& spec) {
  return spec.def->series ? spec.def->series(spec) : std::vector<double>{};
}
}  // namespace

int64_t planned_sparse_products(const OperatorSpec& spec) {
  validate_operator(spec);
  if (spec.def->planned_products) return spec.def->planned_products(spec);
  if (const std::vector<double> w = series_of(spec); !w.empty()) return int64_t(w.size()) - 1;
  return spec.k;
}

void require_operator_products(const OperatorSpec& spec, const std::string& what) {
  require_products(planned_sparse_products(spec), what.empty() ? "operator " + operator_summary(spec) : what);
}

int64_t operator_output_columns(const OperatorSpec& spec, int64_t d) {
  return spec.def->output_columns ? spec.def->output_columns(spec, d) : d;
}

int64_t operator_memory_bytes(const OperatorSpec& spec, int64_t n, int64_t d, int64_t out_rows) {
  // In double: K and d near 2^31 overflow int64.
  const double cols = spec.def->output_columns ? double(spec.def->output_columns(spec, 1)) * double(d) : double(d);
  const double bytes = double(sizeof(float)) * (2.0 * double(n) * double(d) + double(out_rows) * cols);
  return bytes >= 9.2e18 ? -1 : int64_t(bytes);
}

void require_finite_output(const DenseMatrix& f, const std::string& what, bool has_self_loops) {
  if (all_finite(f.data(), f.size())) return;
  throw Error("propagated features are not finite (overflow) with " + what + ": use " +
              (has_self_loops ? "" : "a normalisation with self-loops (aug_norm_adj, aug_rwalk), ") +
              "a smaller K, or normalised features (--feature-norm row; the input's scale may be too large)");
}

namespace {

// The caps, before any work.
void require_operator_caps(const OperatorSpec& spec, const FeatureInput& x, int64_t out_rows) {
  validate_operator(spec);
  const std::string summary = operator_summary(spec);
  require_operator_products(spec, "operator " + summary);
  require_memory(operator_memory_bytes(spec, x.rows(), x.cols(), out_rows),
                 "operator " + summary + " on " + std::to_string(x.rows()) + " x " + std::to_string(x.cols()) +
                     " features (output " + std::to_string(out_rows) + " x " +
                     std::to_string(operator_output_columns(spec, x.cols())) + ")");
}

// 16-bit storage on the GPU where the operator honours --precision (as on the CPU).
cuda::HopStorage gpu_storage(const OperatorSpec& spec) {
  if (!spec.def->sixteen_bit) return cuda::HopStorage::Fp32;
  return spec.precision == Precision::Bf16   ? cuda::HopStorage::Bf16
         : spec.precision == Precision::Fp16 ? cuda::HopStorage::Fp16
                                             : cuda::HopStorage::Fp32;
}

}  // namespace

OperatorResult run_operator(const HopProduct& s, FeatureInput x, const OperatorSpec& spec,
                            const std::vector<int32_t>* rows) {
  require_operator_caps(spec, x, rows ? int64_t(rows->size()) : s.rows());
  OperatorResult out;
  if (current_device() == Device::Cuda) {
    out = run_operator_on_gpu(s, std::move(x), hop_plan(spec), rows, gpu_storage(spec));
  } else if (const std::vector<double> w = series_of(spec); !w.empty()) {
    if (x.sparse)
      out.features = apply_polynomial(s, *x.sparse, w, rows, &out.sparse_products);
    else
      out.features = apply_polynomial(s, std::move(x).take_dense(), w, rows, &out.sparse_products);
  } else {
    if (!spec.def->run) throw ParameterError("op", std::string(spec.name()) + " has no way to run this setting");
    out = spec.def->run(s, std::move(x), spec, rows);
  }
  require_finite_output(out.features, operator_summary(spec), augmented(spec.norm) && spec.self_loop > 0);
  return out;
}

OperatorResult run_operator_on_adjacency(const CsrMatrix& adj, FeatureInput x, const OperatorSpec& spec,
                                         const std::vector<int32_t>* rows, bool keep_on_device) {
  if (current_device() != Device::Cuda) return run_operator(normalized_operator(adj, spec), std::move(x), spec, rows);
  require_operator_caps(spec, x, rows ? int64_t(rows->size()) : adj.rows);
  require_non_negative_weights(adj);
  OperatorResult out = run_operator_on_gpu(adj, normalization_form(spec.norm, spec.self_loop), std::move(x),
                                           hop_plan(spec), rows, gpu_storage(spec), keep_on_device);
  require_finite_output(out.features, operator_summary(spec), augmented(spec.norm) && spec.self_loop > 0);
  return out;
}

HopPlan hop_plan(const OperatorSpec& spec) {
  validate_operator(spec);
  if (std::vector<double> w = series_of(spec); !w.empty())
    return HopPlan::series(std::move(w));
  if (!spec.def->plan) throw ParameterError("op", std::string(spec.name()) + " has no plan of hops for this setting");
  return spec.def->plan(spec);
}

DenseMatrix apply_operator(const HopProduct& s, FeatureInput x, const OperatorSpec& spec,
                           const std::vector<int32_t>* rows) {
  return run_operator(s, std::move(x), spec, rows).features;
}

}  // namespace sgc
