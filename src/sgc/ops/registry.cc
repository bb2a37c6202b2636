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
#include "sgc/graph/normalize.h"
#include "sgc/ops/operator.h"
#include "sgc/util/named.h"
#include "sgc/ops/polynomial.h"

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

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

double real_from(const nlohmann::json& j, const char* name) {
  if (!j.is_number()) throw ArgumentError(std::string(name) + ": expected a number, got " + j.dump());
  return j.get<double>();
}

int int_from(const nlohmann::json& j, const char* name) {
  if (!j.is_number_integer()) throw ArgumentError(std::string(name) + ": expected an integer, got " + j.dump());
  const int64_t v = j.get<int64_t>();
  if (v < -(int64_t(1) << 31) || v >= (int64_t(1) << 31))
    throw ArgumentError(std::string(name) + ": " + j.dump() + " is out of range");
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
           throw ArgumentError("--k: number of propagation steps must be >= 0, got " + std::to_string(s.k));
       }},
      {"t", T::Real, "diffusion time T",
       [](const OperatorSpec& s) { return nlohmann::json(s.t); },
       [](OperatorSpec& s, const nlohmann::json& j) { s.t = real_from(j, "t"); },
       [](const OperatorSpec& s) {
         if (!(s.t > 0) || !std::isfinite(s.t))
           throw ArgumentError("--t: diffusion time T must be a number > 0, got " + number(s.t));
       }},
      {"alpha", T::Real, "teleport / input weight alpha, in (0, 1]",
       [](const OperatorSpec& s) { return nlohmann::json(s.alpha); },
       [](OperatorSpec& s, const nlohmann::json& j) { s.alpha = real_from(j, "alpha"); },
       [](const OperatorSpec& s) {
         if (!(s.alpha > 0 && s.alpha <= 1)) throw ArgumentError("--alpha: must be in (0, 1], got " + number(s.alpha));
       }},
      {"tol", T::Real, "remaining series weight at which a series stops, in (0, 1)",
       [](const OperatorSpec& s) { return nlohmann::json(s.tol); },
       [](OperatorSpec& s, const nlohmann::json& j) { s.tol = real_from(j, "tol"); },
       [](const OperatorSpec& s) {
         if (!(s.tol > 0 && s.tol < 1)) throw ArgumentError("--tol: must be in (0, 1), got " + number(s.tol));
       }},
      {"coeffs", T::RealList, "polynomial coefficients c_0,c_1,... (comma-separated)",
       [](const OperatorSpec& s) { return nlohmann::json(s.coeffs); },
       [](OperatorSpec& s, const nlohmann::json& j) {
         if (!j.is_array()) throw ArgumentError("coeffs: expected a list of numbers, got " + j.dump());
         std::vector<double> c;
         for (const auto& v : j) c.push_back(real_from(v, "coeffs"));
         s.coeffs = std::move(c);
       },
       [](const OperatorSpec& s) {
         for (double c : s.coeffs)
           if (!std::isfinite(c)) throw ArgumentError("--coeffs: every coefficient must be finite");
       }},
      {"norm", T::Normalization, "graph normalisation",
       [](const OperatorSpec& s) { return nlohmann::json(to_string(s.norm)); },
       [](OperatorSpec& s, const nlohmann::json& j) {
         if (!j.is_string()) throw ArgumentError("norm: expected a string, got " + j.dump());
         s.norm = parse_normalization(j.get<std::string>());
       },
       [](const OperatorSpec&) {}},
      {"self_loop", T::Real, "self-loop weight g of aug_norm_adj and aug_rwalk",
       [](const OperatorSpec& s) { return nlohmann::json(s.self_loop); },
       [](OperatorSpec& s, const nlohmann::json& j) { s.self_loop = real_from(j, "self_loop"); },
       [](const OperatorSpec& s) {
         if (!(s.self_loop >= 0) || !std::isfinite(s.self_loop))
           throw ArgumentError("--self-loop: must be a non-negative number, got " + number(s.self_loop));
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
  if (!spec.def) throw ArgumentError("--op: no operator");
  for (const ParamDef& p : operator_params()) p.check(spec);
  if (spec.def->reads("k") && spec.k < spec.def->min_k)
    throw ArgumentError("--k: " + std::string(spec.def->name) + " needs K >= " + std::to_string(spec.def->min_k) +
                        ", got " + std::to_string(spec.k));
  if (spec.def->check) spec.def->check(spec);
}

nlohmann::json operator_to_json(const OperatorSpec& spec) {
  nlohmann::json j = {{"op", std::string(spec.name())}, {"norm", to_string(spec.norm)}};
  if (augmented(spec.norm)) j["self_loop"] = spec.self_loop;
  for (std::string_view p : spec.def->params) j[std::string(p)] = find_param(p)->get(spec);
  return j;
}

OperatorSpec operator_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw ArgumentError("operator: expected an object, got " + j.dump());
  OperatorSpec spec;
  if (j.contains("op")) {
    if (!j["op"].is_string()) throw ArgumentError("op: expected a string, got " + j["op"].dump());
    spec.def = &find_operator(j["op"].get<std::string>());
  }
  for (const auto& [key, value] : j.items()) {
    if (key == "op") continue;
    const ParamDef* p = find_param(key);
    if (!p) {
      std::string known = "op";
      for (const ParamDef& q : operator_params()) known += ", " + std::string(q.name);
      throw ArgumentError("unknown operator parameter '" + key + "' (known: " + known + ")");
    }
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
    } else if (v.is_number_integer()) {
      out << v.get<int64_t>();
    } else {
      out << v.get<double>();
    }
  }
  out << " norm=" << to_string(spec.norm);
  if (augmented(spec.norm)) out << " self_loop=" << spec.self_loop;
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
  if (const std::vector<double> w = series_of(spec); !w.empty()) return int64_t(w.size()) - 1;
  return spec.def->planned_products ? spec.def->planned_products(spec) : spec.k;
}

OperatorResult run_operator(const CsrMatrix& s, FeatureInput x, const OperatorSpec& spec,
                            const std::vector<int32_t>* rows) {
  validate_operator(spec);
  if (const std::vector<double> w = series_of(spec); !w.empty()) {
    OperatorResult out;
    if (x.sparse)
      out.features = apply_polynomial(s, *x.sparse, w, rows, &out.sparse_products);
    else
      out.features = apply_polynomial(s, std::move(x).take_dense(), w, rows, &out.sparse_products);
    return out;
  }
  if (!spec.def->run) throw ArgumentError("--op: " + std::string(spec.name()) + " has no way to run this setting");
  return spec.def->run(s, std::move(x), spec, rows);
}

DenseMatrix apply_operator(const CsrMatrix& s, FeatureInput x, const OperatorSpec& spec,
                           const std::vector<int32_t>* rows) {
  return run_operator(s, std::move(x), spec, rows).features;
}

}  // namespace sgc
